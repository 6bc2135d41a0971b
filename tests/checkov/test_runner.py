from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from estaleiro.checkov.runner import StackPlan, copy_scanned_files, scan
from estaleiro.checkov.tfplan import to_terraform_plan
from estaleiro.errors import EstaleiroError
from estaleiro.findings import Finding
from estaleiro.plan.model import Plan, PlannedResource
from tests.checkov.conftest import REPO

Cli = Callable[..., tuple[int, str, str]]
BUCKET = "gcp:storage/bucket:Bucket"
LABELS = {"env": "prod", "team": "ml", "managed-by": "estaleiro"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository holding only our custom checks: the file scan has nothing else to judge."""
    (tmp_path / "repo/policies").mkdir(parents=True)
    (tmp_path / "repo/policies/checkov").symlink_to(REPO / "policies/checkov")
    return tmp_path / "repo"


def stack_plan(plan: Plan) -> StackPlan:
    return StackPlan(plan.stack, f"stacks/{plan.stack}/Pulumi.{plan.stack}.yaml", to_terraform_plan(plan))


def buckets(stack: str, **inputs: dict[str, str]) -> Plan:
    """Buckets under a component, so that the URN (parent type, then name) differs from the address."""
    parent = "estaleiro:storage:Storage"

    def bucket(name: str, labels: dict[str, str]) -> PlannedResource:
        urn = f"urn:pulumi:{stack}::estaleiro::{parent}${BUCKET}::{name}"
        return PlannedResource(urn, BUCKET, name, True, None, (), {"name": name, "location": "US", "labels": labels})

    return Plan(stack, tuple(bucket(name, labels) for name, labels in inputs.items()))


def test_plan_findings_name_the_stack_file_the_address_and_the_resource_as_the_program_names_it(
    root: Path,
) -> None:
    [judged, *_] = scan(root, [stack_plan(buckets("prod", **{"acme-ml-prod-models": {}}))], root)
    assert (judged.target, judged.resources) == ("prod", 1)
    assert (
        Finding(
            file="stacks/prod/Pulumi.prod.yaml",
            rule="CKV_EST_5",
            message="Ensure resources carry the env, team and managed-by labels",
            source="checkov",
            resource="google_storage_bucket.acme_ml_prod_models",
            pulumi_name="acme-ml-prod-models",
            urn="urn:pulumi:prod::estaleiro::estaleiro:storage:Storage$gcp:storage/bucket:Bucket::acme-ml-prod-models",
        )
        in judged.failures
    )
    assert all(f.urn.endswith("::acme-ml-prod-models") for f in judged.failures)


def test_each_stack_is_counted_on_its_own(root: Path) -> None:
    """Two stacks in one checkov run: each gets its own resources, passes and failures."""
    dev = buckets("dev", a=LABELS, b=LABELS)
    prod = buckets("prod", c={})
    judged = {j.target: j for j in scan(root, [stack_plan(dev), stack_plan(prod)], root)}
    assert (judged["dev"].resources, judged["prod"].resources) == (2, 1)
    assert {f.file for f in judged["prod"].failures} == {"stacks/prod/Pulumi.prod.yaml"}
    assert {f.pulumi_name for f in judged["dev"].failures} <= {"a", "b"}
    assert "CKV_EST_5" in {f.rule for f in judged["prod"].failures}
    assert "CKV_EST_5" not in {f.rule for f in judged["dev"].failures}
    verdicts = {stack: j.passed + len(j.failures) for stack, j in judged.items() if stack in ("dev", "prod")}
    assert judged["dev"].passed > 0 and verdicts["dev"] == 2 * verdicts["prod"]  # the same checks on each bucket
    assert judged["dev"].waived == judged["prod"].waived == 0


def test_a_plan_checkov_judged_nothing_in_is_an_error_not_a_pass(root: Path) -> None:
    plans = [stack_plan(Plan("dev", ())), stack_plan(buckets("prod", m={}))]
    with pytest.raises(EstaleiroError, match=r"^checkov judged no resource in stacks/dev/Pulumi\.dev\.yaml:"):
        scan(root, plans, root)


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def test_the_file_scan_sees_only_regular_files_and_valid_yaml(root: Path, tmp_path: Path) -> None:
    """checkov's secrets scan expanded an alias bomb in a manifest (1.3 GB) and waited on a FIFO: `check` hung."""
    (root / "stacks/dev/models").mkdir(parents=True)
    (root / "stacks/dev/models/churn.yaml").write_text(ALIAS_BOMB)
    (root / "stacks/dev/models/good.yaml").write_text("traffic: {v1: 100}\n")
    os.mkfifo(root / "stacks/dev/models/pipe.yaml")
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / "outside").symlink_to(tmp_path)
    (root / "link.yaml").symlink_to(root / "stacks/dev/models/good.yaml")
    (root / ".git").mkdir()
    (root / ".git/config").write_text("[core]\n")
    into = tmp_path / "scanned"
    into.mkdir()
    started = time.monotonic()
    copy_scanned_files(root, into)
    assert time.monotonic() - started < 5
    copied = sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file())
    assert copied == ["Dockerfile", "stacks/dev/models/good.yaml"]


def test_check_with_an_alias_bomb_in_a_manifest_ends_in_seconds(repo: Path, cli: Cli) -> None:
    (repo / "stacks/dev/models/churn.yaml").write_text(ALIAS_BOMB)
    started = time.monotonic()
    code, report, _ = cli(repo, "check", "dev")
    assert code == 2 and "anchors and aliases" in report
    assert time.monotonic() - started < 300  # a whole check on a machine under load; before, it never ended
