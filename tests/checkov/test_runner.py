from __future__ import annotations

import json
from pathlib import Path

import pytest

from estaleiro.checkov.runner import scan
from estaleiro.checkov.tfplan import to_terraform_plan
from estaleiro.errors import EstaleiroError
from estaleiro.findings import Finding
from estaleiro.plan.model import Plan, PlannedResource
from tests.checkov.conftest import REPO

BUCKET = "gcp:storage/bucket:Bucket"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository holding only our custom checks: the file scan has nothing else to judge."""
    (tmp_path / "repo/policies").mkdir(parents=True)
    (tmp_path / "repo/policies/checkov").symlink_to(REPO / "policies/checkov")
    return tmp_path / "repo"


def write_plans(into: Path, plans: dict[str, Plan]) -> dict[str, str]:
    into.mkdir()
    for stack, plan in plans.items():
        (into / f"{stack}.tfplan.json").write_text(json.dumps(to_terraform_plan(plan)))
    return {f"{stack}.tfplan.json": f"stacks/{stack}/Pulumi.{stack}.yaml" for stack in plans}


def unlabelled_bucket(stack: str) -> Plan:
    urn = f"urn:pulumi:{stack}::estaleiro::{BUCKET}::models"
    return Plan(stack, (PlannedResource(urn, BUCKET, "models", True, None, (), {"name": "m", "location": "US"}),))


def test_plan_findings_name_the_stack_file_and_the_terraform_address(root: Path, tmp_path: Path) -> None:
    files = write_plans(tmp_path / "plans", {"prod": unlabelled_bucket("prod")})
    found = scan(root, tmp_path / "plans", files)
    assert {f.file for f in found} == {"stacks/prod/Pulumi.prod.yaml"}
    assert (
        Finding(
            file="stacks/prod/Pulumi.prod.yaml",
            rule="CKV_EST_5",
            message="Ensure resources carry the env, team and managed-by labels",
            source="checkov",
            resource="google_storage_bucket.models",
        )
        in found
    )


def test_a_plan_checkov_judged_nothing_in_is_an_error_not_a_pass(root: Path, tmp_path: Path) -> None:
    files = write_plans(tmp_path / "plans", {"dev": Plan("dev", ()), "prod": unlabelled_bucket("prod")})
    with pytest.raises(EstaleiroError, match=r"^checkov judged no resource in stacks/dev/Pulumi\.dev\.yaml:"):
        scan(root, tmp_path / "plans", files)
