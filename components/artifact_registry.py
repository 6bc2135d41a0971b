"""Artifact Registry: Docker images (training, serving) and KFP pipeline templates.

Repository ids are `<prefix>-<env>-<role>` like bucket names, because they travel: image and
template URLs name them, and prod pulls what dev built. CMEK-encrypted, labelled, and cleaned
up so storage does not grow without bound: untagged images go after 30 days, the newest 10
versions of each package are always kept (Artifact Registry lets KEEP win over DELETE).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp.artifactregistry as artifactregistry

from components.service_accounts import Access, targets
from estaleiro.config.environment import Environment
from estaleiro.naming import REPOSITORIES, labels, repository_id

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
    ROLES = REPOSITORIES
    containers: artifactregistry.Repository
    pipelines: artifactregistry.Repository

    def __init__(
        self,
        name: str,
        env: Environment,
        kms_key: pulumi.Input[str],
        access: Sequence[Access],
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:artifactregistry:Repositories", name, None, opts)
        config = env.config
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

        def repository(
            role: str,
            fmt: str,
            description: str,
            docker_config: artifactregistry.RepositoryDockerConfigArgs | None = None,
        ) -> artifactregistry.Repository:
            return artifactregistry.Repository(
                f"{name}-{role}",
                repository_id=repository_id(config, env.name, role),
                project=config.project,
                location=config.region,
                format=fmt,
                description=description,
                kms_key_name=kms_key,
                cleanup_policies=cleanup_policies(),
                cleanup_policy_dry_run=False,
                docker_config=docker_config,
                labels=labels(config, env.name, purpose=role),
                opts=child,
            )

        self.containers = repository(
            "containers",
            "DOCKER",
            "Training and serving images",
            # A tag, once pushed, always names the same image: manifests pin what they serve.
            artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
        )
        self.pipelines = repository("pipelines", "KFP", "Compiled Kubeflow pipeline templates")
        by_role = {"containers": self.containers, "pipelines": self.pipelines}
        for grant, repo in targets(access, by_role, "repository"):
            artifactregistry.RepositoryIamMember(
                grant.resource_name(name),
                project=config.project,
                location=config.region,
                repository=repo.name,
                role=grant.role,
                member=grant.member,
                opts=pulumi.ResourceOptions(parent=repo),
            )
        self.register_outputs({role: repository.registry_uri for role, repository in by_role.items()})
