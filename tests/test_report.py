from __future__ import annotations

import json

from estaleiro.errors import Problem
from estaleiro.findings import Finding
from estaleiro.report import as_findings, render

FINDINGS = [
    Finding(
        "stacks/dev/Pulumi.dev.yaml",
        "CKV_GCP_62",
        "Bucket should log access",
        "checkov",
        "google_storage_bucket.acme_ml_dev_access_logs",
        "the access-log bucket cannot log to itself",
    ),
    Finding(
        "stacks/prod/models/churn.yaml",
        "promotion/pinned-images",
        "image is not pinned by digest",
        "promotion",
        "churn/v7",
    ),
]


def test_text_has_a_verdict_then_one_line_per_finding() -> None:
    lines = render(FINDINGS, "text", ["dev", "prod"]).splitlines()
    assert lines == [
        "FAIL: 1 violation(s), 1 documented exception(s) in dev, prod",
        "VIOLATION promotion/pinned-images stacks/prod/models/churn.yaml [churn/v7]: image is not pinned by digest",
        "EXCEPTION CKV_GCP_62 stacks/dev/Pulumi.dev.yaml [google_storage_bucket.acme_ml_dev_access_logs]: "
        "Bucket should log access",
        "Why the exceptions are accepted (policies/exceptions.yaml):",
        "  CKV_GCP_62: the access-log bucket cannot log to itself",
    ]


def test_only_exceptions_is_a_pass() -> None:
    assert render(FINDINGS[:1], "text", ["dev"]).startswith("PASS: 0 violation(s), 1 documented exception(s)")
    assert json.loads(render(FINDINGS[:1], "json", ["dev"]))["passed"] is True


def test_markdown_lists_violations_and_folds_exceptions() -> None:
    text = render(FINDINGS, "md", ["dev"])
    assert "| `promotion/pinned-images` | `stacks/prod/models/churn.yaml` | churn/v7 | image is not pinned" in text
    assert "<details><summary>Documented exceptions</summary>" in text
    assert "| `CKV_GCP_62` | google_storage_bucket.acme_ml_dev_access_logs | the access-log bucket" in text


def test_sarif_carries_rules_locations_and_suppressions() -> None:
    sarif = json.loads(render(FINDINGS, "sarif", ["dev"]))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["CKV_GCP_62", "promotion/pinned-images"]
    suppressed, violation = run["results"]
    assert suppressed["suppressions"] == [
        {"kind": "external", "justification": "the access-log bucket cannot log to itself"}
    ]
    assert "suppressions" not in violation
    assert violation["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stacks/prod/models/churn.yaml"
    assert violation["ruleIndex"] == 1


def test_invalid_input_becomes_schema_findings() -> None:
    [finding] = as_findings([Problem("stacks/dev/models/churn.yaml", "traffic", "traffic split sums to 90")])
    assert (finding.rule, finding.message, finding.source) == (
        "schema/invalid-input",
        "traffic: traffic split sums to 90",
        "schema",
    )
