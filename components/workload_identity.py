"""Keyless CI: the deploy workflow's push runs on main may act as the CI deployer, nothing else may.

The provider's attribute condition accepts only tokens of that repository's `deploy.yml`, taken
from `refs/heads/main`, run by a push to `refs/heads/main`, in the GitHub environment named after
the stack: a pull request (event `pull_request`/`pull_request_target`), another branch or tag,
another workflow, or `deploy.yml` from another ref gets no token. The deployer account trusts
only the principal set of that repository. The pool is `<env>-ci`, its provider `github`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp.iam as iam
import pulumi_gcp.serviceaccount as serviceaccount

from estaleiro.config.environment import Environment
from estaleiro.naming import CI_PROVIDER_ID, ci_pool_id

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
DEPLOY_WORKFLOW = ".github/workflows/deploy.yml"
MAIN = "refs/heads/main"


def deploy_condition(repository: str, env: str) -> str:
    """CEL over the token's claims, which Google exposes as `assertion`
    (https://cloud.google.com/iam/docs/workload-identity-federation#conditions). Claims from GitHub's
    "About security hardening with OpenID Connect" (Understanding the OIDC token): `ref` is the ref
    that triggered the run, `event_name` the triggering event, `workflow_ref` the workflow file's
    ref path `OWNER/REPO/PATH@REF`, `sub` names the job's environment when it has one."""
    return " && ".join(
        (
            f"assertion.repository == '{repository}'",
            f"assertion.sub == 'repo:{repository}:environment:{env}'",
            f"assertion.ref == '{MAIN}'",
            "assertion.event_name == 'push'",
            f"assertion.workflow_ref == '{repository}/{DEPLOY_WORKFLOW}@{MAIN}'",
        )
    )


class CiIdentity(pulumi.ComponentResource):
    pool: iam.WorkloadIdentityPool
    provider: iam.WorkloadIdentityPoolProvider

    def __init__(
        self,
        name: str,
        env: Environment,
        deployer: serviceaccount.Account,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:iam:CiIdentity", name, None, opts)
        config, repository = env.config, env.config.ci_repository
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        self.pool = iam.WorkloadIdentityPool(
            f"{name}-ci",
            workload_identity_pool_id=ci_pool_id(env.name),
            display_name=f"{env.name} CI",
            description=f"CI of {repository} deploying {env.name}",
            project=config.project,
            opts=child,
        )
        self.provider = iam.WorkloadIdentityPoolProvider(
            f"{name}-github",
            workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=CI_PROVIDER_ID,
            display_name="GitHub Actions",
            project=config.project,
            attribute_mapping={
                "google.subject": "assertion.sub",
                "attribute.repository": "assertion.repository",
                "attribute.ref": "assertion.ref",
                "attribute.event_name": "assertion.event_name",
                "attribute.workflow_ref": "assertion.workflow_ref",
            },
            attribute_condition=deploy_condition(repository, env.name),
            oidc=iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=GITHUB_ISSUER),
            opts=child,
        )
        serviceaccount.IAMMember(
            f"{name}-ci-deployer-wif",
            service_account_id=deployer.name,
            role="roles/iam.workloadIdentityUser",
            member=self.pool.name.apply(
                lambda pool: f"principalSet://iam.googleapis.com/{pool}/attribute.repository/{repository}"
            ),
            opts=child,
        )
        self.register_outputs({"provider": self.provider.name})
