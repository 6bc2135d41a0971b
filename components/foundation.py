"""What every environment needs before a model can train or serve: APIs, keys, identities, storage, registries,
and the audit logs of who read secrets, objects and keys or took a token."""

from __future__ import annotations

import pulumi
import pulumi_gcp.projects as projects

from components.apis import Apis
from components.artifact_registry import Repositories
from components.kms import Keys
from components.secrets import Secrets
from components.service_accounts import ServiceAccounts
from components.storage import Buckets
from components.workload_identity import CiIdentity
from estaleiro.config.environment import Environment

# Data Access audit logs are off by default for these services ("disabled by default for all services
# except some BigQuery services", https://cloud.google.com/logging/docs/audit/configure-data-access);
# Admin Activity is always logged. On, they record who read the GitHub token, read or wrote an object,
# used a key, and exchanged a GitHub token for a Google one (sts). Log types: google/iam/v1/policy.proto.
AUDITED_SERVICES = (
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "cloudkms.googleapis.com",
    "sts.googleapis.com",
)
DATA_ACCESS_LOGS = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")


class Foundation(pulumi.ComponentResource):
    """Later components read its parts: `keys.<purpose>`, `accounts.<role>`, `buckets.<role>`,
    `repositories.<role>`, `secrets.github_token`, `ci_identity.provider`, and the grants they must wait
    for (`keys.grants`)."""

    apis: Apis
    keys: Keys
    accounts: ServiceAccounts
    buckets: Buckets
    repositories: Repositories
    secrets: Secrets
    ci_identity: CiIdentity
    audit: list[projects.IAMAuditConfig]

    def __init__(self, name: str, env: Environment, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estaleiro:foundation:Foundation", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.apis = Apis(name, env, child)
        services = self.apis.services
        self.keys = Keys(name, env, services, child)
        self.accounts = ServiceAccounts(name, env, services, child)
        self.buckets = Buckets(
            name,
            env,
            self.keys.storage.id,
            self.accounts.access(Buckets.ROLES),
            depends_on=[self.keys.grants["storage"]],
            opts=child,
        )
        self.repositories = Repositories(
            name,
            env,
            self.keys.artifacts.id,
            self.accounts.access(Repositories.ROLES),
            depends_on=[self.keys.grants["artifacts"]],
            opts=child,
        )
        self.secrets = Secrets(name, env, self.accounts.access(Secrets.ROLES), services, child)
        self.ci_identity = CiIdentity(name, env, self.accounts.ci_deployer, services, child)
        self.audit = [
            projects.IAMAuditConfig(
                f"{name}-audit-{service.split('.')[0]}",
                project=env.config.project,
                service=service,
                audit_log_configs=[
                    projects.IAMAuditConfigAuditLogConfigArgs(log_type=kind) for kind in DATA_ACCESS_LOGS
                ],
                opts=child,
            )
            for service in AUDITED_SERVICES
        ]
        self.outputs: dict[str, pulumi.Input[object]] = {
            "pipelineRootBucket": self.buckets.pipeline_root.name,
            "modelsBucket": self.buckets.models.name,
            "accessLogsBucket": self.buckets.access_logs.name,
            "buildLogsBucket": self.buckets.build_logs.name,
            "containerRepository": self.repositories.containers.registry_uri,
            "pipelineRepository": self.repositories.pipelines.registry_uri,
            "serviceAccounts": {
                "pipelineRunner": self.accounts.pipeline_runner.email,
                "modelServing": self.accounts.model_serving.email,
                "monitoring": self.accounts.monitoring.email,
                "ciDeployer": self.accounts.ci_deployer.email,
                "prBuilder": self.accounts.pr_builder.email,
            },
            "workloadIdentityProvider": self.ci_identity.provider.name,
            "kmsKeys": {
                "storage": self.keys.storage.id,
                "artifacts": self.keys.artifacts.id,
                "vertex": self.keys.vertex.id,
            },
        }
        self.register_outputs(self.outputs)
