from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from estaleiro.checkov.tfplan import address_name, terraform_type
from estaleiro.plan.model import Plan, PlannedResource
from tests.checkov.cases import CASES, case_plan
from tests.checkov.conftest import Verdicts, run_checkov

# checkov's built-in checks against grants to allUsers / allAuthenticatedUsers, and ours (CKV_EST_7).
PUBLIC_GRANT_CHECKS = {"CKV_GCP_28", "CKV_GCP_99", "CKV_GCP_101", "CKV_GCP_112", "CKV2_GCP_8", "CKV_EST_7"}
# pulumi type of a grant to allUsers -> (the one check it must fail, the inputs naming what it is on)
PUBLIC_GRANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "gcp:storage/bucketIAMMember:BucketIAMMember": ("CKV_GCP_28", {"bucket": "b"}),
    "gcp:pubsub/topicIAMMember:TopicIAMMember": ("CKV_GCP_99", {"topic": "t"}),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": ("CKV_GCP_101", {"repository": "r"}),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": ("CKV_GCP_112", {"cryptoKeyId": "k"}),
    "gcp:kms/keyRingIAMMember:KeyRingIAMMember": ("CKV_EST_7", {"keyRingId": "projects/p/locations/l/keyRings/kr"}),
    "gcp:projects/iAMMember:IAMMember": ("CKV_EST_7", {"project": "p"}),
    "gcp:serviceaccount/iAMMember:IAMMember": ("CKV_EST_7", {"serviceAccountId": "projects/p/serviceAccounts/x"}),
    "gcp:secretmanager/secretIamMember:SecretIamMember": ("CKV_EST_7", {"secretId": "s"}),
    "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember": ("CKV_EST_7", {"endpoint": "e", "region": "us-central1"}),
    "gcp:bigquery/datasetIamMember:DatasetIamMember": ("CKV_EST_7", {"datasetId": "d"}),
}
KEY_RING = "gcp:kms/keyRing:KeyRing"


def public_grants_plan() -> Plan:
    """A grant to allUsers on each kind of resource, and the key ring CKV2_GCP_8 would judge."""
    resources = [
        PlannedResource(
            f"urn:pulumi:s::estaleiro::{type_}::public-{n}",
            type_,
            f"public-{n}",
            True,
            None,
            (),
            {**on, "role": "roles/viewer", "member": "allUsers"},
        )
        for n, (type_, (_, on)) in enumerate(PUBLIC_GRANTS.items())
    ]
    key_ring = PlannedResource(f"urn:pulumi:s::estaleiro::{KEY_RING}::kr", KEY_RING, "kr", True, None, (), {})
    return Plan("public-grants", (*resources, key_ring))


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    """One checkov run over every check's fixtures (checkov costs seconds per start)."""
    plans = {check: case_plan(check) for check in CASES} | {"public-grants": public_grants_plan()}
    return run_checkov(plans, tmp_path_factory.mktemp("cases"))


@pytest.mark.parametrize("check", sorted(CASES))
def test_check_passes_and_fails_exactly_its_fixtures(verdicts: Verdicts, check: str) -> None:
    expected = {
        verdict: {
            (check, f"{terraform_type(type_)}.{address_name(name)}")
            for type_, resources in CASES[check]
            for name in resources
            if name.startswith(verdict[:4])
        }
        for verdict in ("passed", "failed")
    }
    own = {verdict: {r for r in verdicts[check][verdict] if r[0] == check} for verdict in ("passed", "failed")}
    assert own == expected


def test_a_public_grant_fails_exactly_one_check_a_built_in_where_checkov_has_one(verdicts: Verdicts) -> None:
    """CKV_EST_7 fills the gaps between checkov's public-access checks and never repeats one."""
    failing = {r for check in PUBLIC_GRANT_CHECKS for plan, r in verdicts[check]["failed"] if plan == "public-grants"}
    failed = {r: {c for c in PUBLIC_GRANT_CHECKS if ("public-grants", r) in verdicts[c]["failed"]} for r in failing}
    expected = {
        f"{terraform_type(type_)}.public_{n}": {check} for n, (type_, (check, _)) in enumerate(PUBLIC_GRANTS.items())
    }
    assert failed == expected


def test_every_custom_check_has_fixtures() -> None:
    files = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "policies/checkov").glob("[A-Z]*.py"))
    assert len(files) == len(CASES) == 8
