"""What every environment needs before a model can train or serve: APIs, keys, identities, storage, registries."""

from __future__ import annotations

import pulumi

from components.apis import Apis
from components.artifact_registry import Repositories
from components.kms import Keys
from components.service_accounts import ServiceAccounts
from components.storage import BucketAccess, Buckets
from components.workload_identity import CiIdentity
from estaleiro.config.environment import Environment


class Foundation(pulumi.ComponentResource):
    apis: Apis
    keys: Keys
    accounts: ServiceAccounts
    buckets: Buckets
    repositories: Repositories
    ci_identity: CiIdentity

    def __init__(self, name: str, env: Environment, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estaleiro:foundation:Foundation", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.apis = Apis(name, env, child)
        self.keys = Keys(name, env, self.apis.services, child)
        self.accounts = ServiceAccounts(name, env, self.apis.services, child)
        runner, serving = self.accounts.pipeline_runner, self.accounts.model_serving
        self.buckets = Buckets(
            name,
            env,
            self.keys.storage.id,
            access=[
                BucketAccess("pipeline-root", "roles/storage.objectAdmin", runner.member, "pipeline-runner"),
                BucketAccess("models", "roles/storage.objectAdmin", runner.member, "pipeline-runner"),
                BucketAccess("models", "roles/storage.objectViewer", serving.member, "model-serving"),
            ],
            depends_on=[self.keys.grants["storage"]],
            opts=child,
        )
        self.repositories = Repositories(name, env, self.keys.artifacts.id, [self.keys.grants["artifacts"]], child)
        self.ci_identity = CiIdentity(name, env, self.accounts.ci_deployer, child)
        self.outputs: dict[str, pulumi.Input[object]] = {
            "pipelineRootBucket": self.buckets.pipeline_root.name,
            "modelsBucket": self.buckets.models.name,
            "accessLogsBucket": self.buckets.access_logs.name,
            "containerRepository": self.repositories.containers.registry_uri,
            "pipelineRepository": self.repositories.pipelines.registry_uri,
            "serviceAccounts": {
                "pipelineRunner": self.accounts.pipeline_runner.email,
                "modelServing": self.accounts.model_serving.email,
                "monitoring": self.accounts.monitoring.email,
                "ciDeployer": self.accounts.ci_deployer.email,
            },
            "workloadIdentityProvider": self.ci_identity.provider.name,
            "kmsKeys": {
                "storage": self.keys.storage.id,
                "artifacts": self.keys.artifacts.id,
                "vertex": self.keys.vertex.id,
            },
        }
        self.register_outputs(self.outputs)
