"""Security properties of the foundation, asserted on what the program registers under mocks."""

from __future__ import annotations

import re

import pytest

from estaleiro.plan.model import Plan

BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
LABELLED = {
    "gcp:storage/bucket:Bucket",
    "gcp:artifactregistry/repository:Repository",
    "gcp:kms/cryptoKey:CryptoKey",
    "gcp:vertex/aiEndpoint:AiEndpoint",
}


@pytest.fixture(params=["dev", "prod"])
def plan(request: pytest.FixtureRequest) -> Plan:
    return request.getfixturevalue(request.param)


def test_every_bucket_is_private_versioned_encrypted_and_logged(plan: Plan) -> None:
    buckets = plan.of_type("gcp:storage/bucket:Bucket")
    assert {b.inputs["name"] for b in buckets} == {
        f"acme-ml-{plan.stack}-{role}" for role in ("pipeline-root", "models", "access-logs")
    }
    for bucket in buckets:
        inputs = bucket.inputs
        assert inputs["uniformBucketLevelAccess"] is True, bucket.name
        assert inputs["publicAccessPrevention"] == "enforced", bucket.name
        assert inputs["versioning"] == {"enabled": True}, bucket.name
        assert inputs["encryption"]["defaultKmsKeyName"].endswith("/cryptoKeys/storage"), bucket.name
        if not bucket.name.endswith("access-logs"):
            assert inputs["logging"]["logBucket"] == f"acme-ml-{plan.stack}-access-logs", bucket.name


def test_buckets_wait_for_the_storage_agent_to_hold_the_key(plan: Plan) -> None:
    grant = next(r.urn for r in plan.resources if r.name.endswith("-storage-agent"))
    for bucket in plan.of_type("gcp:storage/bucket:Bucket"):
        assert grant in bucket.dependencies, bucket.name


def test_keys_rotate_within_the_configured_days(plan: Plan) -> None:
    days = {"dev": 90, "prod": 30}[plan.stack]
    keys = plan.of_type("gcp:kms/cryptoKey:CryptoKey")
    assert {k.inputs["name"] for k in keys} == {"storage", "artifacts", "vertex"}
    for key in keys:
        assert key.inputs["rotationPeriod"] == f"{days * 86400}s", key.name


def test_each_service_agent_may_use_only_its_own_key(plan: Plan) -> None:
    grants = {
        r.inputs["cryptoKeyId"].rsplit("/", 1)[-1]: r.inputs["member"]
        for r in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    }
    assert set(grants) == {"storage", "artifacts", "vertex"}
    assert re.fullmatch(
        r"serviceAccount:service-\d{12}@gs-project-accounts\.iam\.gserviceaccount\.com", grants["storage"]
    )
    assert "@gcp-sa-artifactregistry." in grants["artifacts"] and "@gcp-sa-aiplatform." in grants["vertex"]


def test_no_basic_roles_and_no_keys(plan: Plan) -> None:
    roles = [r.inputs.get("role") for r in plan.resources if "IAMMember" in r.type or "IAMBinding" in r.type]
    assert roles and not BASIC_ROLES & set(roles)
    assert not [r for r in plan.resources if r.type == "gcp:serviceaccount/key:Key"]


def test_service_accounts_per_role_named_by_environment(plan: Plan) -> None:
    accounts = {a.inputs["accountId"] for a in plan.of_type("gcp:serviceaccount/account:Account")}
    assert accounts == {
        f"{plan.stack}-{role}" for role in ("pipeline-runner", "model-serving", "monitoring", "ci-deployer")
    }


def test_deployer_acts_only_as_the_workload_accounts(plan: Plan) -> None:
    project_roles = [r.inputs["role"] for r in plan.of_type("gcp:projects/iAMMember:IAMMember")]
    assert "roles/iam.serviceAccountUser" not in project_roles
    acts_as = [
        r
        for r in plan.of_type("gcp:serviceaccount/iAMMember:IAMMember")
        if r.inputs["role"] == "roles/iam.serviceAccountUser"
    ]
    assert sorted(r.inputs["serviceAccountId"].split("/")[-1].split("@")[0] for r in acts_as) == sorted(
        f"{plan.stack}-{role}" for role in ("pipeline-runner", "model-serving", "monitoring")
    )


def test_workload_identity_is_restricted_to_the_repository_and_environment(plan: Plan) -> None:
    [provider] = plan.of_type("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
    assert provider.inputs["attributeCondition"] == (
        f"assertion.repository == 'acme/estaleiro' && assertion.sub == 'repo:acme/estaleiro:environment:{plan.stack}'"
    )
    assert provider.inputs["oidc"] == {"issuerUri": "https://token.actions.githubusercontent.com"}
    [binding] = [
        r
        for r in plan.of_type("gcp:serviceaccount/iAMMember:IAMMember")
        if r.inputs["role"] == "roles/iam.workloadIdentityUser"
    ]
    assert re.fullmatch(
        r"principalSet://iam\.googleapis\.com/projects/\d{12}/locations/global/workloadIdentityPools/"
        rf"{plan.stack}-ci/attribute\.repository/acme/estaleiro",
        binding.inputs["member"],
    )
    assert binding.inputs["serviceAccountId"].endswith(
        f"/{plan.stack}-ci-deployer@acme-ml-{plan.stack}.iam.gserviceaccount.com"
    )


def test_repositories_are_encrypted_and_cleaned_up(plan: Plan) -> None:
    repositories = {r.inputs["format"]: r.inputs for r in plan.of_type("gcp:artifactregistry/repository:Repository")}
    assert set(repositories) == {"DOCKER", "KFP"}
    for inputs in repositories.values():
        assert inputs["kmsKeyName"].endswith("/cryptoKeys/artifacts")
        assert [p["id"] for p in inputs["cleanupPolicies"]] == ["delete-untagged", "keep-recent"]
    assert repositories["DOCKER"]["dockerConfig"] == {"immutableTags": True}


def test_every_labelled_resource_carries_the_required_labels(plan: Plan) -> None:
    labelled = [r for r in plan.resources if r.type in LABELLED]
    assert len(labelled) >= 8
    for resource in labelled:
        labels = resource.inputs["labels"]
        assert (labels["env"], labels["team"], labels["managed-by"]) == (plan.stack, "ml-platform", "estaleiro"), (
            resource.name
        )
        assert labels["cost-center"] == "cc-4711", resource.name


def test_names_are_prefix_environment_role_never_random(plan: Plan) -> None:
    for resource in plan.resources:
        if resource.custom and not resource.type.startswith("pulumi"):
            assert resource.name.startswith(f"acme-ml-{plan.stack}-"), resource.name
            assert not re.search(r"-[0-9a-f]{7}$", resource.name), resource.name


def test_exports_resolve_to_realistic_values(plan: Plan) -> None:
    outputs, stack = plan.outputs, plan.stack
    assert outputs["modelsBucket"] == f"acme-ml-{stack}-models"
    assert outputs["containerRepository"] == f"us-central1-docker.pkg.dev/acme-ml-{stack}/acme-ml-{stack}-containers"
    assert outputs["pipelineRepository"] == f"https://us-central1-kfp.pkg.dev/acme-ml-{stack}/acme-ml-{stack}-pipelines"
    assert outputs["serviceAccounts"]["ciDeployer"] == f"{stack}-ci-deployer@acme-ml-{stack}.iam.gserviceaccount.com"
    assert re.fullmatch(
        r"projects/\d{12}/locations/global/workloadIdentityPools/\w+-ci/providers/github",
        outputs["workloadIdentityProvider"],
    )
    assert set(outputs["endpoints"]) == {"churn"}


def test_apis_enabled_and_kept_on_destroy(plan: Plan) -> None:
    services = plan.of_type("gcp:projects/service:Service")
    assert "aiplatform.googleapis.com" in {s.inputs["service"] for s in services}
    assert all(s.inputs["disableOnDestroy"] is False for s in services)
