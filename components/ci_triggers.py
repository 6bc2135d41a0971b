"""Cloud Build triggers for one stack: a pull-request check, a push-to-main deploy and, in the stack
that owns the model image's registry, the push-to-main build of that image.

A pull request's build runs the pull request's own code (its cloudbuild/pr.yaml, scripts/install,
tests) before anyone reviewed it, so it runs as the stack's `pr-builder` account, which holds no
project role (components/service_accounts.py); only the push-to-main deploy runs as the CI deployer.
Never Cloud Build's default account. Both fire on every pull request and push to main, with no path
filter: which files a stack reads is known only from its plan (estaleiro/plan/reads.py, `estaleiro
stacks --changed-since`), and a `pulumi up` that changes nothing is harmless, while a filter that
missed `functions/` or `images/model/image.yaml` left a change undeployed. The substitutions are all
a config needs besides Cloud Build's own: which stack, which runner image (the stack's Artifact
Registry, tagged with the Pulumi CLI version), for the pull request where its log goes, and for the
deploy which state backend.

The model image is built once for all stacks (estaleiro/config/image.py), so only the stack whose
containers repository images/model/image.yaml names builds it, as its `image-builder` account, when
the build context changes; its tag is the context's hash, so an unchanged context builds nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
import pulumi_gcp.cloudbuild as cloudbuild

from estaleiro.config.environment import Environment
from estaleiro.config.image import context_patterns
from estaleiro.naming import TRIGGERS, docker_registry, state_bucket, trigger_name

if TYPE_CHECKING:
    import pulumi_gcp.serviceaccount as serviceaccount
    import pulumi_gcp.storage as storage

MAIN = "^main$"
PULUMI_VERSION = "3.272.0"  # images/ci/Dockerfile and the deploy workflow install this one


def substitutions(env: Environment) -> dict[str, str]:
    """What both configs need besides Cloud Build's own: the stack and the runner image."""
    return {"_STACK": env.name, "_CI_IMAGE": ci_image(env)}


def ci_image(env: Environment) -> str:
    return f"{docker_registry(env.config, env.name)}/estaleiro-ci:{PULUMI_VERSION}"


def state_backend(env: Environment) -> str:
    """One bucket for all stacks, so a stack can read its upstream stack's history."""
    return f"gs://{state_bucket(env.config)}"


class CiTriggers(pulumi.ComponentResource):
    pull_request: cloudbuild.Trigger
    deploy: cloudbuild.Trigger
    model_image: cloudbuild.Trigger | None

    def __init__(
        self,
        name: str,
        env: Environment,
        pr_builder: serviceaccount.Account,
        deployer: serviceaccount.Account,
        image_builder: serviceaccount.Account | None,
        build_logs: storage.Bucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:ci:CiTriggers", name, None, opts)
        config = env.config
        owner, repository = config.ci_repository.split("/")
        child = pulumi.ResourceOptions(parent=self)
        pull_request, deploy, model_image = TRIGGERS
        on_push_to_main = cloudbuild.TriggerGithubArgs(
            owner=owner, name=repository, push=cloudbuild.TriggerGithubPushArgs(branch=MAIN)
        )

        def trigger(
            role: str,
            description: str,
            event: cloudbuild.TriggerGithubArgs,
            account: serviceaccount.Account,
            included_files: list[str] | None,
            settings: dict[str, pulumi.Input[str]],
        ) -> cloudbuild.Trigger:
            return cloudbuild.Trigger(
                f"{name}-{role}",
                name=trigger_name(config, env.name, role),
                description=description,
                project=config.project,
                location="global",
                github=event,
                included_files=included_files,
                filename=f"cloudbuild/{role}.yaml",
                substitutions=settings,
                service_account=account.name,  # projects/<project>/serviceAccounts/<email>
                opts=child,
            )

        self.pull_request = trigger(
            pull_request,
            f"Pull requests: tests, estaleiro check and the plan diff of {env.name}",
            cloudbuild.TriggerGithubArgs(
                owner=owner,
                name=repository,
                pull_request=cloudbuild.TriggerGithubPullRequestArgs(
                    branch=MAIN, comment_control="COMMENTS_ENABLED_FOR_EXTERNAL_CONTRIBUTORS_ONLY"
                ),
            ),
            pr_builder,
            None,
            # gs://...: it may not write to Cloud Logging (no project role)
            {**substitutions(env), "_LOGS_BUCKET": build_logs.url},
        )
        self.deploy = trigger(
            deploy,
            f"Merges to main: pulumi up for {env.name}",
            on_push_to_main,
            deployer,
            None,
            {**substitutions(env), "_STATE_BACKEND": state_backend(env)},
        )
        self.model_image = None
        outputs = {"pullRequest": self.pull_request.id, "deploy": self.deploy.id}
        if image_builder is not None:  # the stack builds the model image (components/service_accounts.py roles)
            self.model_image = trigger(
                model_image,
                "Merges to main that change the model image's build context: build and push its targets",
                on_push_to_main,
                image_builder,
                context_patterns(),
                # Like pr-builder, no project role, so no Cloud Logging: its log goes to the bucket.
                {"_CI_IMAGE": ci_image(env), "_LOGS_BUCKET": build_logs.url},
            )
            outputs["modelImage"] = self.model_image.id
        self.register_outputs(outputs)
