"""The secrets CI builds read, declared with who may read them; never their values.

`github-token` (the id both Cloud Build configs read) holds a GitHub token that posts pull-request
comments and fetches a private repository's history. The stack declares the secret and grants
access to it on the secret itself (`RESOURCE_ROLES`); its value is added once by the bootstrap
(`gcloud secrets versions add github-token --data-file=-`), so it never lands in Pulumi state or
in a plan. Replication is automatic with Google-managed encryption: the token is rotated, not
archived, and Secret Manager's CMEK needs a key per replica region.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp.secretmanager as secretmanager

from components.service_accounts import Access, targets
from estaleiro.config.environment import Environment
from estaleiro.naming import GITHUB_CREDENTIALS, labels


class Secrets(pulumi.ComponentResource):
    ROLES = (GITHUB_CREDENTIALS,)
    github_token: secretmanager.Secret

    def __init__(
        self,
        name: str,
        env: Environment,
        access: Sequence[Access],
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:secrets:Secrets", name, None, opts)
        config = env.config
        self.github_token = secretmanager.Secret(
            f"{name}-{GITHUB_CREDENTIALS}",
            secret_id=GITHUB_CREDENTIALS,
            project=config.project,
            replication=secretmanager.SecretReplicationArgs(auto=secretmanager.SecretReplicationAutoArgs()),
            labels=labels(config, env.name, purpose=GITHUB_CREDENTIALS),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        for grant, secret in targets(access, {GITHUB_CREDENTIALS: self.github_token}, "secret"):
            secretmanager.SecretIamMember(
                grant.resource_name(name),
                project=config.project,
                secret_id=secret.secret_id,
                role=grant.role,
                member=grant.member,
                opts=pulumi.ResourceOptions(parent=secret),
            )
        self.register_outputs({GITHUB_CREDENTIALS: self.github_token.name})
