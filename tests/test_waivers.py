from __future__ import annotations

from pathlib import Path

import pytest

from estaleiro.errors import InvalidInput
from estaleiro.findings import Finding
from estaleiro.waivers import load_waivers
from tests.conftest import commit_all

REASON = "the access-log bucket would log into itself"
URN = "urn:pulumi:dev::estaleiro::estaleiro:storage:Storage$gcp:storage/bucket:Bucket::acme-ml-dev-access-logs"


def waivers_file(root: Path, text: str) -> Path:
    (root / "policies").mkdir()
    (root / "policies/waivers.yaml").write_text(text)
    return root


def finding(rule: str, resource: str, file: str = "stacks/dev/Pulumi.dev.yaml", urn: str = "") -> Finding:
    name = urn.rsplit("::", 1)[-1] if urn else ""
    return Finding(file=file, rule=rule, message="m", source="checkov", resource=resource, pulumi_name=name, urn=urn)


def test_matching_findings_come_back_waived_with_the_reason_and_others_untouched(tmp_path: Path) -> None:
    root = waivers_file(
        tmp_path,
        f"waivers:\n"
        f"  - rule: CKV_GCP_62\n    resource: google_storage_bucket.*_access_logs\n    reason: {REASON}\n"
        f"  - rule: CKV_SECRET_6\n    file: estaleiro/plan/*.py\n    reason: public protocol constants, not secrets\n",
    )
    logs = finding("CKV_GCP_62", "google_storage_bucket.acme_ml_dev_access_logs")
    models = finding("CKV_GCP_62", "google_storage_bucket.acme_ml_dev_models")
    other_rule = finding("CKV_GCP_29", "google_storage_bucket.acme_ml_dev_access_logs")
    secret = finding("CKV_SECRET_6", "abc123", file="estaleiro/plan/mocks.py")
    secret_elsewhere = finding("CKV_SECRET_6", "abc123", file="scripts/ci/x.py")
    marked = load_waivers(root).apply([logs, models, other_rule, secret, secret_elsewhere])
    assert [f.waived_reason for f in marked] == [REASON, "", "", "public protocol constants, not secrets", ""]
    assert [f.waived for f in marked] == [True, False, False, True, False]
    assert [f.rule for f in marked] == [f.rule for f in (logs, models, other_rule, secret, secret_elsewhere)]


@pytest.mark.parametrize(
    "glob", ["acme-ml-*-access-logs", "urn:pulumi:dev::*$gcp:storage/bucket:Bucket::*-access-logs"]
)
def test_a_plan_resource_may_be_waived_by_its_pulumi_name_or_urn(tmp_path: Path, glob: str) -> None:
    root = waivers_file(tmp_path, f"waivers:\n  - rule: CKV_GCP_62\n    resource: '{glob}'\n    reason: {REASON}\n")
    logs = finding("CKV_GCP_62", "google_storage_bucket.acme_ml_dev_access_logs", urn=URN)
    models = finding("CKV_GCP_62", "google_storage_bucket.acme_ml_dev_models", urn=URN.replace("access-logs", "models"))
    assert [f.waived for f in load_waivers(root).apply([logs, models])] == [True, False]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("rule: CKV_GCP_62\n    resource: '*'", "waivers.0.reason: required key is missing"),
        ("rule: CKV_GCP_62\n    reason: ok", "waivers.0.reason: string should have at least 20 characters"),
        (f"rule: CKV_GCP_62\n    reason: {REASON}\n    expires: 2027-01-01", "waivers.0.expires: unknown key"),
    ],
)
def test_invalid_entries_name_the_file_and_the_key(tmp_path: Path, entry: str, problem: str) -> None:
    root = waivers_file(tmp_path, f"waivers:\n  - {entry}\n")
    with pytest.raises(InvalidInput, match=r"^policies/waivers\.yaml:\d+: ") as raised:
        load_waivers(root)
    assert problem in str(raised.value)


def test_no_waivers_file_means_no_waivers(tmp_path: Path) -> None:
    assert load_waivers(tmp_path).apply([finding("CKV_GCP_62", "x")]) == [finding("CKV_GCP_62", "x")]


def test_a_waivers_file_that_is_a_symlink_is_refused_wherever_it_leads(tmp_path: Path) -> None:
    """A link hands the waivers to whoever owns its target (CODEOWNERS reviews the link, not what it points at)."""
    (tmp_path / "repo").mkdir()
    root = waivers_file(tmp_path / "repo", f"waivers:\n  - rule: CKV_GCP_62\n    reason: {REASON}\n")
    (root / "model_cards").mkdir()
    (root / "policies/waivers.yaml").rename(root / "model_cards/notes.yaml")
    (root / "policies/waivers.yaml").symlink_to("../model_cards/notes.yaml")
    with pytest.raises(InvalidInput) as raised:
        load_waivers(root)
    assert str(raised.value) == (
        "policies/waivers.yaml: a symlink (to ../model_cards/notes.yaml); waivers are read from this file only, "
        "reviewed where it lies: put the file itself here"
    )


def test_a_policies_folder_linked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    outside = waivers_file(tmp_path / "outside", f"waivers:\n  - rule: CKV_GCP_62\n    reason: {REASON}\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "policies").symlink_to(outside / "policies")
    with pytest.raises(InvalidInput) as raised:
        load_waivers(root)
    assert str(raised.value) == (
        f"policies/waivers.yaml: leads outside the repository (to {outside}/policies/waivers.yaml); copy it in"
    )


def test_check_refuses_a_linked_waivers_file_as_bad_input(repo: Path, cli) -> None:
    waivers = repo / "policies/waivers.yaml"
    waivers.rename(repo / "model_cards/churn/waivers.yaml")
    waivers.symlink_to("../model_cards/churn/waivers.yaml")
    commit_all(repo, "waivers kept beside the cards")
    assert cli(repo, "check", "dev") == (
        2,
        "",
        "policies/waivers.yaml: a symlink (to ../model_cards/churn/waivers.yaml); waivers are read from this file "
        "only, reviewed where it lies: put the file itself here\n",
    )
