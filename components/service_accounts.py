"""One service account per role, each with the project roles that role needs and nothing more.

No basic roles (owner, editor, viewer) and no keys: workloads run as these accounts, CI
impersonates its account through Workload Identity Federation. Bucket-level grants live
with the buckets (`storage.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp.projects as projects
import pulumi_gcp.serviceaccount as serviceaccount

from estaleiro.config.environment import Environment
from estaleiro.naming import project_name

PROJECT_ROLES: dict[str, tuple[str, ...]] = {
    # Submits Vertex AI pipeline and training jobs, pulls images, writes logs and metrics.
    "pipeline-runner": (
        "roles/aiplatform.user",
        "roles/artifactregistry.reader",
        "roles/logging.logWriter",
        "roles/monitoring.metricWriter",
    ),
    # What a Vertex endpoint's containers run as: pull the image, log, report metrics.
    "model-serving": ("roles/artifactregistry.reader", "roles/logging.logWriter", "roles/monitoring.metricWriter"),
    # Reads serving metrics and monitoring results to evaluate drift and accuracy alerts.
    "monitoring": ("roles/aiplatform.viewer", "roles/monitoring.viewer", "roles/logging.viewer"),
    # What `pulumi up` manages, as admin of each service it declares (never a basic role).
    "ci-deployer": (
        "roles/aiplatform.admin",
        "roles/artifactregistry.admin",
        "roles/cloudbuild.builds.editor",
        "roles/cloudkms.admin",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.workloadIdentityPoolAdmin",
        "roles/monitoring.admin",
        "roles/resourcemanager.projectIamAdmin",
        "roles/serviceusage.serviceUsageAdmin",
        "roles/storage.admin",
    ),
}


class ServiceAccounts(pulumi.ComponentResource):
    pipeline_runner: serviceaccount.Account
    model_serving: serviceaccount.Account
    monitoring: serviceaccount.Account
    ci_deployer: serviceaccount.Account

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
        for role, grants in PROJECT_ROLES.items():
            account = serviceaccount.Account(
                f"{name}-{role}",
                account_id=project_name(env.name, role),
                display_name=f"{env.name} {role.replace('-', ' ')} (managed by Estaleiro)",
                project=project,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
            )
            for grant in grants:
                projects.IAMMember(
                    f"{name}-{role}-{grant.removeprefix('roles/').replace('.', '-')}",
                    project=project,
                    role=grant,
                    member=account.member,
                    opts=pulumi.ResourceOptions(parent=account),
                )
            accounts[role] = account
        deployer = accounts["ci-deployer"]
        # The deployer attaches the workload accounts to endpoints and pipeline runs: it may act as
        # those accounts, and only those (never project-wide Service Account User).
        for role in ("pipeline-runner", "model-serving", "monitoring"):
            serviceaccount.IAMMember(
                f"{name}-ci-deployer-acts-as-{role}",
                service_account_id=accounts[role].name,
                role="roles/iam.serviceAccountUser",
                member=deployer.member,
                opts=pulumi.ResourceOptions(parent=accounts[role]),
            )
        self.pipeline_runner = accounts["pipeline-runner"]
        self.model_serving = accounts["model-serving"]
        self.monitoring = accounts["monitoring"]
        self.ci_deployer = accounts["ci-deployer"]
        self.register_outputs({role: account.email for role, account in accounts.items()})
