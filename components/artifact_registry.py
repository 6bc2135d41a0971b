"""Artifact Registry: Docker images (training, serving) and KFP pipeline templates.

CMEK-encrypted, labelled, and cleaned up so storage does not grow without bound: untagged
images go after 30 days, the newest 10 versions of each package are always kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp.artifactregistry as artifactregistry

from estaleiro.config.environment import Environment
from estaleiro.naming import global_name, labels

UNTAGGED_DAYS = 30
KEEP_VERSIONS = 10


def cleanup_policies() -> list[artifactregistry.RepositoryCleanupPolicyArgs]:
    return [
        artifactregistry.RepositoryCleanupPolicyArgs(
            id="delete-untagged",
            action="DELETE",
            condition=artifactregistry.RepositoryCleanupPolicyConditionArgs(
                tag_state="UNTAGGED", older_than=f"{UNTAGGED_DAYS * 86_400}s"
            ),
        ),
        artifactregistry.RepositoryCleanupPolicyArgs(
            id="keep-recent",
            action="KEEP",
            most_recent_versions=artifactregistry.RepositoryCleanupPolicyMostRecentVersionsArgs(
                keep_count=KEEP_VERSIONS
            ),
        ),
    ]


class Repositories(pulumi.ComponentResource):
    containers: artifactregistry.Repository
    pipelines: artifactregistry.Repository

    def __init__(
        self,
        name: str,
        env: Environment,
        kms_key: pulumi.Input[str],
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:artifactregistry:Repositories", name, None, opts)
        config = env.config
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

        def repository(role: str, fmt: str, description: str, **extra: object) -> artifactregistry.Repository:
            return artifactregistry.Repository(
                f"{name}-{role}",
                repository_id=global_name(config, env.name, role),
                project=config.project,
                location=config.region,
                format=fmt,
                description=description,
                kms_key_name=kms_key,
                cleanup_policies=cleanup_policies(),
                cleanup_policy_dry_run=False,
                labels=labels(config, env.name, purpose=role),
                opts=child,
                **extra,  # type: ignore[arg-type]
            )

        self.containers = repository(
            "containers",
            "DOCKER",
            "Training and serving images",
            docker_config=artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
        )
        self.pipelines = repository("pipelines", "KFP", "Compiled Kubeflow pipeline templates")
        self.register_outputs({"containers": self.containers.registry_uri, "pipelines": self.pipelines.registry_uri})
