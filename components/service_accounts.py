"""One service account per role, and every privilege the platform grants them, listed here.

No basic roles (owner, editor, viewer) and no keys: workloads run as these accounts, CI
impersonates its account through Workload Identity Federation. Project roles only where
Google has no narrower scope; everything else is granted on the one bucket, repository or
secret that needs it (`RESOURCE_ROLES`, created by the component that owns the resource).

Pull-request builds run code nobody has reviewed yet, so they run as `pr-builder`, which holds
no project role and can act as no other account: it pulls the CI image, writes its build log and
reads the GitHub token to post its comment, each on that one resource. Only the push-to-main
build runs as `ci-deployer`. The model image is built by `image-builder`, which exists only in the
stack that owns the image's registry and may push there and write its build log, nothing else: its
build runs the repository's code, and an account that can push images cannot change the stack.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pulumi
import pulumi_gcp.projects as projects
import pulumi_gcp.serviceaccount as serviceaccount

from estaleiro.config.environment import Environment
from estaleiro.naming import ACCOUNTS, IMAGE_BUILDER, account_id, stack_roles

PROJECT_ROLES: dict[str, tuple[str, ...]] = {
    # Submits Vertex AI pipeline and training jobs, writes logs and metrics.
    "pipeline-runner": ("roles/aiplatform.user", "roles/logging.logWriter", "roles/monitoring.metricWriter"),
    # What a Vertex endpoint's containers run as: log and report metrics.
    "model-serving": ("roles/logging.logWriter", "roles/monitoring.metricWriter"),
    # Reads serving metrics and monitoring results to evaluate drift and accuracy alerts.
    "monitoring": ("roles/aiplatform.viewer", "roles/monitoring.viewer", "roles/logging.viewer"),
    # What `pulumi up` needs: admin of each service the stack declares, never a basic role
    # (`estaleiro access` checks it against every resource type the plan holds).
    "ci-deployer": (
        "roles/aiplatform.admin",  # endpoints, model registry, deployments, schedules
        "roles/artifactregistry.admin",  # repositories and their IAM
        "roles/bigquery.dataOwner",  # the request log and ground-truth datasets, tables and their IAM
        "roles/cloudbuild.builds.editor",  # the CI triggers
        "roles/cloudfunctions.admin",  # the retraining function, its Eventarc trigger and its Cloud Run invoker
        "roles/cloudkms.admin",  # key ring, keys and the service agents' grants on them
        "roles/iam.roleAdmin",  # the retrainer's custom role
        "roles/iam.serviceAccountAdmin",  # the service accounts and who may act as them
        "roles/iam.workloadIdentityPoolAdmin",  # the CI pool and its GitHub provider
        "roles/logging.logWriter",  # Cloud Build runs the CI triggers as this account
        "roles/monitoring.admin",  # notification channels, alert policies, dashboards
        "roles/pubsub.admin",  # the alerts topic and who may publish to it
        "roles/resourcemanager.projectIamAdmin",  # the project roles in this table
        "roles/secretmanager.admin",  # the GitHub token's secret (not its value) and who may read it
        "roles/serviceusage.serviceUsageAdmin",  # the APIs and the service agents' identities
        "roles/storage.admin",  # buckets and their IAM
    ),
    # Pull-request builds: no project role at all (see RESOURCE_ROLES for the three it has).
    "pr-builder": (),
    # The model image build (cloudbuild/model-image.yaml): no project role either.
    "image-builder": (),
    # The retraining function: a custom role of two Vertex permissions, granted by components/retraining.py.
    "retrainer": (),
}
# (account, role, resource): a resource is a bucket or repository, named by its role.
RESOURCE_ROLES: tuple[tuple[str, str, str], ...] = (
    ("pipeline-runner", "roles/storage.objectAdmin", "pipeline-root"),  # pipeline runs write their artifacts
    ("pipeline-runner", "roles/storage.objectAdmin", "models"),  # training publishes model artifacts
    ("pipeline-runner", "roles/artifactregistry.reader", "containers"),  # training images
    ("pipeline-runner", "roles/artifactregistry.reader", "pipelines"),  # the pipeline templates it runs
    ("model-serving", "roles/storage.objectViewer", "models"),  # the model it serves
    ("model-serving", "roles/artifactregistry.reader", "containers"),  # serving images
    ("pr-builder", "roles/artifactregistry.reader", "containers"),  # the CI image its build steps run
    ("pr-builder", "roles/storage.objectAdmin", "build-logs"),  # its build log (Cloud Build rewrites it as it grows)
    ("pr-builder", "roles/secretmanager.secretAccessor", "github-token"),  # to post the PR comment
    ("ci-deployer", "roles/secretmanager.secretAccessor", "github-token"),  # to fetch history of a private repository
    ("image-builder", "roles/artifactregistry.writer", "containers"),  # pull the CI image, push the model image
    ("image-builder", "roles/storage.objectAdmin", "build-logs"),  # its build log, like pr-builder's
)
# The deployer attaches these accounts to pipeline runs, endpoints and Cloud Build triggers, so
# it may act as them, granted per account (never project-wide Service Account User). Not
# `monitoring`: no resource runs as it (`estaleiro access` lists what each account is attached to).
DEPLOYER_ACTS_AS = (
    "pipeline-runner",
    "model-serving",
    "ci-deployer",
    "pr-builder",
    IMAGE_BUILDER,
    "retrainer",
)

R = TypeVar("R", bound=pulumi.CustomResource)


@dataclass(frozen=True)
class Access:
    """`member`, the account of role `account`, gets `role` on the resource of role `resource`."""

    resource: str
    role: str
    account: str
    member: pulumi.Input[str]

    def resource_name(self, component: str) -> str:
        """The grant's Pulumi name: `<component>-<resource>-<account>-<role's last part>`."""
        return f"{component}-{self.resource}-{self.account}-{self.role.rsplit('.', 1)[-1]}"


def targets(access: Sequence[Access], resources: Mapping[str, R], kind: str) -> list[tuple[Access, R]]:
    """Each grant with the resource it is on; a grant on a resource that does not exist fails, naming those that do."""
    for grant in access:
        if grant.resource not in resources:
            raise ValueError(
                f"no {kind} {grant.resource!r} to grant {grant.role} on; {kind} roles: {', '.join(resources)}"
            )
    return [(grant, resources[grant.resource]) for grant in access]


class ServiceAccounts(pulumi.ComponentResource):
    pipeline_runner: serviceaccount.Account
    model_serving: serviceaccount.Account
    monitoring: serviceaccount.Account
    ci_deployer: serviceaccount.Account
    pr_builder: serviceaccount.Account
    image_builder: serviceaccount.Account | None  # only in the stack that builds the model image
    retrainer: serviceaccount.Account

    def __init__(
        self,
        name: str,
        env: Environment,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:iam:ServiceAccounts", name, None, opts)
        project = env.config.project
        accounts = {}
        for role in roles(env):
            account = serviceaccount.Account(
                f"{name}-{role}",
                account_id=account_id(env.name, role),
                display_name=f"{env.name} {role.replace('-', ' ')} (managed by Estaleiro)",
                project=project,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
            )
            for grant in PROJECT_ROLES[role]:
                projects.IAMMember(
                    f"{name}-{role}-{grant.removeprefix('roles/').replace('.', '-')}",
                    project=project,
                    role=grant,
                    member=account.member,
                    opts=pulumi.ResourceOptions(parent=account),
                )
            accounts[role] = account
        for role in (r for r in DEPLOYER_ACTS_AS if r in accounts):
            serviceaccount.IAMMember(
                f"{name}-ci-deployer-acts-as-{role}",
                service_account_id=accounts[role].name,
                role="roles/iam.serviceAccountUser",
                member=accounts["ci-deployer"].member,
                opts=pulumi.ResourceOptions(parent=accounts[role]),
            )
        self._accounts = accounts
        self.pipeline_runner = accounts["pipeline-runner"]
        self.model_serving = accounts["model-serving"]
        self.monitoring = accounts["monitoring"]
        self.ci_deployer = accounts["ci-deployer"]
        self.pr_builder = accounts["pr-builder"]
        self.image_builder = accounts.get(IMAGE_BUILDER)
        self.retrainer = accounts["retrainer"]
        self.register_outputs({role: account.email for role, account in accounts.items()})

    def access(self, resources: Collection[str]) -> list[Access]:
        """The `RESOURCE_ROLES` grants on these resources, for the component that creates them."""
        return [
            Access(resource, role, account, self._accounts[account].member)
            for account, role, resource in RESOURCE_ROLES
            if resource in resources and account in self._accounts
        ]


def roles(env: Environment) -> tuple[str, ...]:
    return stack_roles(ACCOUNTS, env.builds_model_image)
