from __future__ import annotations

from pathlib import Path

import pytest

from estaleiro.errors import InvalidInput
from estaleiro.exceptions import load_exceptions
from estaleiro.findings import Finding

REASON = "the access-log bucket would log into itself"


def exceptions_file(root: Path, text: str) -> Path:
    (root / "policies").mkdir()
    (root / "policies/exceptions.yaml").write_text(text)
    return root


def finding(rule: str, resource: str, file: str = "stacks/dev/Pulumi.dev.yaml") -> Finding:
    return Finding(file=file, rule=rule, message="m", source="checkov", resource=resource)


def test_matching_findings_come_back_marked_with_the_reason_and_others_untouched(tmp_path: Path) -> None:
    root = exceptions_file(
        tmp_path,
        f"exceptions:\n"
        f"  - rule: CKV_GCP_62\n    resource: google_storage_bucket.*_access_logs\n    reason: {REASON}\n"
        f"  - rule: CKV_SECRET_6\n    file: estaleiro/plan/*.py\n    reason: public protocol constants, not secrets\n",
    )
    logs = finding("CKV_GCP_62", "google_storage_bucket.acme_ml_dev_access_logs")
    models = finding("CKV_GCP_62", "google_storage_bucket.acme_ml_dev_models")
    other_rule = finding("CKV_GCP_29", "google_storage_bucket.acme_ml_dev_access_logs")
    secret = finding("CKV_SECRET_6", "abc123", file="estaleiro/plan/mocks.py")
    secret_elsewhere = finding("CKV_SECRET_6", "abc123", file="scripts/ci/x.py")
    marked = load_exceptions(root).apply([logs, models, other_rule, secret, secret_elsewhere])
    assert [f.suppressed_reason for f in marked] == [REASON, "", "", "public protocol constants, not secrets", ""]
    assert [f.rule for f in marked] == [f.rule for f in (logs, models, other_rule, secret, secret_elsewhere)]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("rule: CKV_GCP_62\n    resource: '*'", "exceptions.0.reason: required key is missing"),
        ("rule: CKV_GCP_62\n    reason: ok", "exceptions.0.reason: string should have at least 20 characters"),
        (f"rule: CKV_GCP_62\n    reason: {REASON}\n    expires: 2027-01-01", "exceptions.0.expires: unknown key"),
    ],
)
def test_invalid_entries_name_the_file_and_the_key(tmp_path: Path, entry: str, problem: str) -> None:
    root = exceptions_file(tmp_path, f"exceptions:\n  - {entry}\n")
    with pytest.raises(InvalidInput, match=r"^policies/exceptions\.yaml:\d+: ") as raised:
        load_exceptions(root)
    assert problem in str(raised.value)


def test_no_exceptions_file_means_no_exceptions(tmp_path: Path) -> None:
    assert load_exceptions(tmp_path).apply([finding("CKV_GCP_62", "x")]) == [finding("CKV_GCP_62", "x")]
