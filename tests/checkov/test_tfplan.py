from __future__ import annotations

import pytest

from estaleiro.checkov.tfplan import UnmappedType, attributes, terraform_type, to_terraform_plan
from estaleiro.plan.model import Plan, PlannedResource


@pytest.mark.parametrize(
    ("pulumi_type", "terraform"),
    [
        ("gcp:storage/bucket:Bucket", "google_storage_bucket"),
        ("gcp:storage/bucketIAMMember:BucketIAMMember", "google_storage_bucket_iam_member"),
        ("gcp:projects/iAMMember:IAMMember", "google_project_iam_member"),
        ("gcp:projects/service:Service", "google_project_service"),
        ("gcp:serviceaccount/account:Account", "google_service_account"),
        ("gcp:serviceaccount/iAMMember:IAMMember", "google_service_account_iam_member"),
        ("gcp:serviceaccount/key:Key", "google_service_account_key"),
        ("gcp:artifactregistry/repository:Repository", "google_artifact_registry_repository"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "google_kms_crypto_key_iam_member"),
        (
            "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
            "google_iam_workload_identity_pool_provider",
        ),
        ("gcp:vertex/aiEndpoint:AiEndpoint", "google_vertex_ai_endpoint"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "google_monitoring_alert_policy"),
        ("gcp:cloudbuild/trigger:Trigger", "google_cloudbuild_trigger"),
    ],
)
def test_type_mapping(pulumi_type: str, terraform: str) -> None:
    assert terraform_type(pulumi_type) == terraform


def test_unknown_module_is_an_error_naming_the_type() -> None:
    with pytest.raises(UnmappedType, match="no Terraform type for gcp:dataproc/cluster:Cluster"):
        terraform_type("gcp:dataproc/cluster:Cluster")


def test_attributes_snake_case_with_blocks_as_lists_and_maps_kept() -> None:
    converted = attributes(
        {
            "uniformBucketLevelAccess": True,
            "versioning": {"enabled": True},
            "lifecycleRules": [{"action": {"type": "Delete"}, "condition": {"age": 30}}],
            "labels": {"managed-by": "estaleiro", "cost-center": "x"},
            "encryption": {"defaultKmsKeyName": "k"},
        }
    )
    assert converted == {
        "uniform_bucket_level_access": True,
        "versioning": [{"enabled": True}],
        "lifecycle_rules": [{"action": [{"type": "Delete"}], "condition": [{"age": 30}]}],
        "labels": {"managed-by": "estaleiro", "cost-center": "x"},
        "encryption": [{"default_kms_key_name": "k"}],
    }


def test_components_and_dynamic_resources_are_left_out_and_planned_values_carry_the_rest() -> None:
    def resource(type_: str, name: str, custom: bool = True) -> PlannedResource:
        return PlannedResource(f"urn:pulumi:dev::estaleiro::{type_}::{name}", type_, name, custom, None, (), {})

    plan = Plan(
        "dev",
        (
            resource("estaleiro:platform:Platform", "p", custom=False),
            resource("pulumi-python:dynamic/vertex:ModelVersion", "churn-v7"),
            resource("gcp:storage/bucket:Bucket", "acme-ml-dev-models"),
        ),
    )
    exported = to_terraform_plan(plan)
    [bucket] = exported.document["planned_values"]["root_module"]["resources"]
    assert bucket["address"] == "google_storage_bucket.acme_ml_dev_models" and bucket["mode"] == "managed"
    assert [c["address"] for c in exported.document["resource_changes"]] == [bucket["address"]]
    assert exported.resources == {bucket["address"]: plan.resources[2]}


def test_each_address_leads_back_to_its_own_resource_when_pulumi_names_meet_in_one_address() -> None:
    """Pulumi names are unique per type and parent; Terraform addresses per type, with `-` folded to `_`."""
    bucket = "gcp:storage/bucket:Bucket"

    def resource(parent: str, name: str) -> PlannedResource:
        return PlannedResource(
            f"urn:pulumi:dev::estaleiro::{parent}${bucket}::{name}", bucket, name, True, None, (), {}
        )

    plan = Plan("dev", (resource("a:b:A", "logs"), resource("a:b:B", "logs"), resource("a:b:C", "lo-gs")))
    exported = to_terraform_plan(plan)
    addresses = [r["address"] for r in exported.document["planned_values"]["root_module"]["resources"]]
    assert addresses == ["google_storage_bucket.logs", "google_storage_bucket.logs_2", "google_storage_bucket.lo_gs"]
    assert [exported.resources[a].urn for a in addresses] == [r.urn for r in plan.resources]
