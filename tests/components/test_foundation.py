"""Security properties of the foundation, asserted on what the Platform registers under mocks."""

from __future__ import annotations

import re

import pytest

from components.apis import PEERING_APIS
from components.artifact_registry import Repositories
from components.service_accounts import RESOURCE_ROLES, Access
from components.storage import LOG_WRITER, Buckets
from components.workload_identity import deploy_condition
from estaleiro.config.environment import load_environment
from estaleiro.config.stack import StackConfig
from estaleiro.plan.engine import run_program
from estaleiro.plan.model import Plan, PlannedResource
from tests.components.conftest import REPO

BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
BUCKET = "gcp:storage/bucket:Bucket"
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
REPOSITORY = "gcp:artifactregistry/repository:Repository"
ACCOUNT = "gcp:serviceaccount/account:Account"
ACCOUNT_IAM = "gcp:serviceaccount/iAMMember:IAMMember"
PROJECT_IAM = "gcp:projects/iAMMember:IAMMember"
LABELLED = {BUCKET, CRYPTO_KEY, REPOSITORY, "gcp:vertex/aiEndpoint:AiEndpoint"}
WORKLOADS = ("pipeline-runner", "model-serving", "monitoring", "retrainer")
HEX_SUFFIX = re.compile(r"-[0-9a-f]{7,8}$")


def config(plan: Plan) -> StackConfig:
    return load_environment(REPO, plan.stack).config


def iam_grants(plan: Plan) -> list[PlannedResource]:
    """Every IAM member, binding or policy, whatever pulumi-gcp's spelling (IAMMember, IamMember)."""
    return [r for r in plan.resources if r.custom and re.search(r"iam(member|binding|policy)", r.type, re.I)]


def ci_accounts(plan: Plan) -> tuple[str, ...]:
    """The CI accounts; dev owns the model image's registry (images/model/image.yaml), so it also builds the image."""
    return ("ci-deployer", "pr-builder", *(("image-builder",) if plan.stack == "dev" else ()))


def account(plan: Plan, role: str) -> str:
    return f"serviceAccount:{plan.stack}-{role}@acme-ml-{plan.stack}.iam.gserviceaccount.com"


def test_every_bucket_is_private_versioned_encrypted_logged_and_expires(plan: Plan) -> None:
    buckets = plan.of_type(BUCKET)
    assert {b.inputs["name"] for b in buckets} == {
        f"acme-ml-{plan.stack}-{role}" for role in ("pipeline-root", "models", "access-logs", "build-logs")
    }
    for bucket in buckets:
        inputs = bucket.inputs
        assert inputs["uniformBucketLevelAccess"] is True, bucket.name
        assert inputs["publicAccessPrevention"] == "enforced", bucket.name
        assert inputs["versioning"] == {"enabled": True}, bucket.name
        assert inputs["encryption"]["defaultKmsKeyName"] == (
            f"projects/acme-ml-{plan.stack}/locations/us-central1/keyRings/{plan.stack}-keys/cryptoKeys/storage"
        ), bucket.name
        assert inputs["location"] == "US-CENTRAL1", bucket.name
        assert any("daysSinceNoncurrentTime" in r["condition"] for r in inputs["lifecycleRules"]), bucket.name
        if bucket.name.endswith("-access-logs"):
            assert "logging" not in inputs, bucket.name
        else:
            assert inputs["logging"] == {
                "logBucket": f"acme-ml-{plan.stack}-access-logs",
                "logObjectPrefix": bucket.inputs["name"],
            }, bucket.name


def test_cloud_storage_may_write_access_logs_and_nothing_else(plan: Plan) -> None:
    writers = [r for r in iam_grants(plan) if r.inputs["member"] == LOG_WRITER]
    assert [(w.inputs["bucket"], w.inputs["role"]) for w in writers] == [
        (f"acme-ml-{plan.stack}-access-logs", "roles/storage.objectCreator")
    ]


def test_buckets_wait_for_the_storage_agent_to_hold_the_key(plan: Plan) -> None:
    [grant] = [
        r for r in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember") if r.name.endswith("-storage-agent")
    ]
    for bucket in plan.of_type(BUCKET):
        assert grant.urn in bucket.dependencies, bucket.name


def test_keys_rotate_within_90_days_and_the_configured_days(plan: Plan) -> None:
    days = config(plan).kms_rotation_days
    keys = plan.of_type(CRYPTO_KEY)
    assert {k.inputs["name"] for k in keys} == {"storage", "artifacts", "vertex", "bigquery", "pubsub"}
    for key in keys:
        seconds = int(key.inputs["rotationPeriod"].removesuffix("s"))
        assert seconds <= min(days, 90) * 86_400, key.name
        assert (
            key.inputs["keyRing"] == f"projects/acme-ml-{plan.stack}/locations/us-central1/keyRings/{plan.stack}-keys"
        )
    assert {"dev": 90, "prod": 30}[plan.stack] == days  # the two stacks exercise different limits


def test_each_service_agent_may_use_only_its_own_key(plan: Plan) -> None:
    grants = plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    by_key = {r.inputs["cryptoKeyId"].rsplit("/cryptoKeys/", 1)[-1]: r for r in grants}
    assert len(grants) == len(by_key) == 5
    agents = {
        "storage": r"service-\d{12}@gs-project-accounts",
        "artifacts": r"service-\d{12}@gcp-sa-artifactregistry",
        "vertex": r"service-\d{12}@gcp-sa-aiplatform",
        "bigquery": r"bq-\d{12}@bigquery-encryption",  # BigQuery's encryption account, not a service-* agent
        "pubsub": r"service-\d{12}@gcp-sa-pubsub",
    }
    for purpose, agent in agents.items():
        grant = by_key[purpose]
        assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter", grant.name
        assert re.fullmatch(rf"serviceAccount:{agent}\.iam\.gserviceaccount\.com", grant.inputs["member"]), grant.name
    assert not [r for r in plan.of_type(PROJECT_IAM) if r.inputs["role"].startswith("roles/cloudkms.crypto")]


def test_no_basic_roles_and_no_service_account_keys(plan: Plan) -> None:
    grants = iam_grants(plan)
    assert len(grants) > 30
    for grant in grants:
        assert grant.inputs["role"] not in BASIC_ROLES, grant.name
    assert not plan.of_type("gcp:serviceaccount/key:Key")


def test_one_service_account_per_role_within_the_id_limit(plan: Plan) -> None:
    ids = {a.inputs["accountId"] for a in plan.of_type(ACCOUNT)}
    assert ids == {f"{plan.stack}-{role}" for role in (*WORKLOADS, *ci_accounts(plan))}
    assert all(6 <= len(i) <= 30 for i in ids)


def test_workloads_get_storage_and_images_only_on_their_own_resources(plan: Plan) -> None:
    """Whole-resource grants are RESOURCE_ROLES; the only narrower one is the retrainer's read of its settings."""
    storage_grants = [
        r
        for r in iam_grants(plan)
        if r.type.startswith(("gcp:storage/", "gcp:artifactregistry/")) and r.inputs["member"] != LOG_WRITER
    ]
    conditioned = {(r.inputs["member"], r.inputs["role"]) for r in storage_grants if r.inputs.get("condition")}
    assert conditioned == (
        {(account(plan, "retrainer"), "roles/storage.objectViewer")} if plan.stack == "dev" else set()
    )
    scoped = {
        (r.inputs["member"], r.inputs["role"], r.inputs.get("bucket") or r.inputs["repository"])
        for r in storage_grants
        if not r.inputs.get("condition")
    }
    assert scoped == {
        (account(plan, who), role, f"acme-ml-{plan.stack}-{resource}")
        for who, role, resource in RESOURCE_ROLES
        if resource in (*Buckets.ROLES, *Repositories.ROLES) and who in (*WORKLOADS, *ci_accounts(plan))
    }
    for grant in plan.of_type(PROJECT_IAM):
        if grant.inputs["member"] != account(plan, "ci-deployer"):
            assert not grant.inputs["role"].startswith(("roles/storage.", "roles/artifactregistry.")), grant.name
            assert not grant.inputs["role"].endswith("admin"), grant.name


def test_deployer_acts_only_as_the_platform_accounts(plan: Plan) -> None:
    impersonation = ("roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator")
    assert not [r for r in plan.of_type(PROJECT_IAM) if r.inputs["role"] in impersonation]
    acts_as = [r for r in plan.of_type(ACCOUNT_IAM) if r.inputs["role"] == "roles/iam.serviceAccountUser"]
    # Besides the deployer, only the retrainer acts as an account: the runner (tests/components/test_retraining.py).
    assert {r.inputs["member"] for r in acts_as} <= {account(plan, "ci-deployer"), account(plan, "retrainer")}
    acts_as = [r for r in acts_as if r.inputs["member"] == account(plan, "ci-deployer")]
    # The workload accounts it attaches to runs, endpoints and the function, and the accounts Cloud Build
    # triggers run as; not `monitoring`, which nothing runs as (`estaleiro access` found the grant unused).
    attached = [role for role in WORKLOADS if role != "monitoring"]
    assert sorted(r.inputs["serviceAccountId"].split("/")[-1].split("@")[0] for r in acts_as) == sorted(
        f"{plan.stack}-{role}" for role in (*attached, *ci_accounts(plan))
    )


def test_workload_identity_is_restricted_to_the_repository_and_environment(plan: Plan) -> None:
    repository = config(plan).ci_repository
    [pool] = plan.of_type("gcp:iam/workloadIdentityPool:WorkloadIdentityPool")
    [provider] = plan.of_type("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
    assert pool.inputs["workloadIdentityPoolId"] == f"{plan.stack}-ci"
    assert provider.inputs["workloadIdentityPoolProviderId"] == "github"
    # What the condition admits is judged by evaluating it: tests/components/test_workload_identity.py.
    assert provider.inputs["attributeCondition"] == deploy_condition(repository, plan.stack), provider.name
    assert provider.inputs["attributeMapping"]["attribute.repository"] == "assertion.repository"
    assert provider.inputs["oidc"] == {"issuerUri": "https://token.actions.githubusercontent.com"}
    federated = [r for r in iam_grants(plan) if r.inputs["member"].startswith("principal")]
    assert [(r.type, r.inputs["role"]) for r in federated] == [(ACCOUNT_IAM, "roles/iam.workloadIdentityUser")]
    [binding] = federated
    assert re.fullmatch(
        r"principalSet://iam\.googleapis\.com/projects/\d{12}/locations/global/workloadIdentityPools/"
        rf"{plan.stack}-ci/attribute\.repository/{re.escape(repository)}",
        binding.inputs["member"],
    ), binding.name
    assert binding.inputs["serviceAccountId"].endswith(
        f"/{plan.stack}-ci-deployer@acme-ml-{plan.stack}.iam.gserviceaccount.com"
    ), binding.name


def test_repositories_are_encrypted_cleaned_up_and_immutable(plan: Plan) -> None:
    repositories = {r.inputs["format"]: r for r in plan.of_type(REPOSITORY)}
    assert set(repositories) == {"DOCKER", "KFP"}
    for repository in repositories.values():
        inputs = repository.inputs
        assert inputs["kmsKeyName"].endswith(f"/keyRings/{plan.stack}-keys/cryptoKeys/artifacts"), repository.name
        assert inputs["cleanupPolicyDryRun"] is False, repository.name
        assert inputs["cleanupPolicies"] == [
            {
                "id": "delete-untagged",
                "action": "DELETE",
                "condition": {"tagState": "UNTAGGED", "olderThan": "2592000s"},
            },
            {"id": "keep-recent", "action": "KEEP", "mostRecentVersions": {"keepCount": 10}},
        ], repository.name
    assert repositories["DOCKER"].inputs["dockerConfig"] == {"immutableTags": True}
    assert "dockerConfig" not in repositories["KFP"].inputs


# Monitoring resources keep their labels in `userLabels`; a notification channel's `labels` configure its type.
USER_LABELLED = {"gcp:monitoring/notificationChannel:NotificationChannel", "gcp:monitoring/alertPolicy:AlertPolicy"}
# A metric descriptor's `labels` declare its series' label keys; the API gives descriptors no resource labels.
DESCRIBING = {"gcp:monitoring/metricDescriptor:MetricDescriptor"}


def test_every_labelled_resource_carries_the_required_labels(plan: Plan) -> None:
    labelled = [
        r
        for r in plan.resources
        if r.type not in DESCRIBING and (r.type in LABELLED | USER_LABELLED or "labels" in r.inputs)
    ]
    assert {r.type for r in labelled} >= LABELLED | USER_LABELLED
    for resource in labelled:
        labels = resource.inputs["userLabels" if resource.type in USER_LABELLED else "labels"]
        assert (labels["env"], labels["team"], labels["managed-by"]) == (plan.stack, "ml-platform", "estaleiro"), (
            resource.name
        )
        assert labels["cost-center"] == "cc-4711", resource.name


def test_names_are_prefix_environment_role_never_random(plan: Plan) -> None:
    prefix, stack = f"acme-ml-{plan.stack}", plan.stack
    for resource in plan.resources:
        if resource.custom:
            assert resource.name.startswith(f"{prefix}-"), resource.name
            assert not HEX_SUFFIX.search(resource.name), resource.name
    cloud_names = {
        BUCKET: ("name", prefix),
        REPOSITORY: ("repositoryId", prefix),
        ACCOUNT: ("accountId", stack),
        "gcp:kms/keyRing:KeyRing": ("name", stack),
        "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": ("workloadIdentityPoolId", stack),
    }
    for type_, (field, start) in cloud_names.items():
        for resource in plan.of_type(type_):
            role = resource.inputs[field].removeprefix(f"{start}-")
            assert role != resource.inputs[field], resource.name
            assert resource.name == f"{prefix}-{role}", resource.name


def test_apis_are_enabled_kept_on_destroy_and_awaited(plan: Plan) -> None:
    services = plan.of_type("gcp:projects/service:Service")
    enabled = {s.inputs["service"] for s in services}
    assert {
        "aiplatform.googleapis.com",
        "cloudkms.googleapis.com",
        "iam.googleapis.com",
        "sts.googleapis.com",
    } <= enabled
    assert not set(PEERING_APIS) <= enabled  # no example stack peers a VPC: prod uses Private Service Connect
    for service in services:
        assert service.inputs["disableOnDestroy"] is False, service.name
    urns = {s.urn for s in services}
    first = ("gcp:kms/keyRing:KeyRing", ACCOUNT, "gcp:projects/serviceIdentity:ServiceIdentity")
    awaiting = [r for r in plan.resources if r.type in first or r.type.startswith("gcp:iam/workloadIdentityPool:")]
    # Every account (pr-builder and retrainer included, and dev's image builder), the key ring, the CI pool
    # and the agents.
    assert len(awaiting) == 5 + len(WORKLOADS) + len(ci_accounts(plan))
    for resource in awaiting:
        assert urns <= set(resource.dependencies), resource.name


def test_every_resource_hangs_under_the_platform(plan: Plan) -> None:
    by_urn = plan.by_urn()
    [platform] = plan.of_type("estaleiro:platform:Platform")
    for resource in plan.resources:
        if resource.type.startswith("pulumi:") or resource is platform:
            continue
        ancestor = resource
        while ancestor.parent and ancestor.parent != platform.urn:
            ancestor = by_urn[ancestor.parent]
        assert ancestor.parent == platform.urn, resource.name


def test_a_grant_on_an_unknown_bucket_fails_naming_the_buckets() -> None:
    env = load_environment(REPO, "dev")
    grant = Access("model", "roles/storage.objectViewer", "model-serving", "serviceAccount:x@example.com")

    def program() -> None:
        Buckets("acme-ml-dev", env, "key", [grant], depends_on=[])

    allowed = "pipeline-root, models, access-logs, build-logs"
    with pytest.raises(
        ValueError, match=rf"no bucket 'model' to grant roles/storage\.objectViewer on; bucket roles: {allowed}$"
    ):
        run_program(program, "dev", "acme-ml-dev", "us-central1")


AUDITED = ("secretmanager.googleapis.com", "storage.googleapis.com", "cloudkms.googleapis.com", "sts.googleapis.com")


def test_data_access_is_logged_for_secrets_storage_keys_and_token_exchange(plan: Plan) -> None:
    """Data Access audit logs are off by default (Admin Activity is always on): who read the GitHub
    token, an object, used a key or exchanged a GitHub token for a Google one is only recorded if
    each service's DATA_READ, DATA_WRITE and ADMIN_READ are turned on in the project's policy."""
    configs = plan.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")
    assert sorted(c.inputs["service"] for c in configs) == sorted(AUDITED)
    for audit in configs:
        assert audit.inputs["project"] == f"acme-ml-{plan.stack}", audit.name
        assert audit.inputs["auditLogConfigs"] == [
            {"logType": kind} for kind in ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
        ], audit.name
