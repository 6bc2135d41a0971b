"""Cloud Build triggers for one stack: a pull-request check and a push-to-main deploy.

Both run as the stack's CI deployer account (never Cloud Build's default account) and fire
only when the stack's files, the model cards or shared code change.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp.cloudbuild as cloudbuild
import pulumi_gcp.serviceaccount as serviceaccount

from estaleiro.config.environment import Environment
from estaleiro.stacks import SHARED

MAIN = "^main$"


def watched_paths(stack: str) -> list[str]:
    """What a change must touch to concern this stack (the same rule as `estaleiro stacks --changed-since`)."""
    return [f"stacks/{stack}/**", "model_cards/**", *(p + "**" if p.endswith("/") else p for p in SHARED)]


class CiTriggers(pulumi.ComponentResource):
    pull_request: cloudbuild.Trigger
    deploy: cloudbuild.Trigger

    def __init__(
        self,
        name: str,
        env: Environment,
        deployer: serviceaccount.Account,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:ci:CiTriggers", name, None, opts)
        config = env.config
        owner, repository = config.ci_repository.split("/")
        common = {
            "project": config.project,
            "location": "global",
            "included_files": watched_paths(env.name),
            "service_account": deployer.name,
            "opts": pulumi.ResourceOptions(parent=self),
        }
        self.pull_request = cloudbuild.Trigger(
            f"{name}-pr",
            name=f"{name}-pr",
            description=f"Pull requests: tests, estaleiro check and the plan diff of {env.name}",
            filename="cloudbuild/pr.yaml",
            github=cloudbuild.TriggerGithubArgs(
                owner=owner,
                name=repository,
                pull_request=cloudbuild.TriggerGithubPullRequestArgs(
                    branch=MAIN, comment_control="COMMENTS_ENABLED_FOR_EXTERNAL_CONTRIBUTORS_ONLY"
                ),
            ),
            substitutions={"_STACK": env.name, "_GITHUB_REPOSITORY": config.ci_repository},
            **common,  # type: ignore[arg-type]
        )
        self.deploy = cloudbuild.Trigger(
            f"{name}-deploy",
            name=f"{name}-deploy",
            description=f"Merges to main: pulumi up for {env.name}",
            filename="cloudbuild/deploy.yaml",
            github=cloudbuild.TriggerGithubArgs(
                owner=owner, name=repository, push=cloudbuild.TriggerGithubPushArgs(branch=MAIN)
            ),
            substitutions={"_STACK": env.name},
            **common,  # type: ignore[arg-type]
        )
        self.register_outputs({"pullRequest": self.pull_request.id, "deploy": self.deploy.id})
