from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import commit_all

KNOWN_BAD = """
import pulumi_gcp.artifactregistry as _ar
import pulumi_gcp.monitoring as _monitoring
import pulumi_gcp.projects as _projects
import pulumi_gcp.storage as _storage

_storage.Bucket("public-bucket", name="acme-ml-dev-public", location="US", project=env.config.project,
                labels={"env": "dev", "team": "t", "managed-by": "estaleiro"})
_projects.IAMMember("basic-role", project=env.config.project, role="roles/editor",
                    member="user:someone@acme.example.com")
_ar.Repository("unencrypted", repository_id="unencrypted", format="DOCKER", location="us-central1",
               project=env.config.project, labels={"env": "dev", "team": "t", "managed-by": "estaleiro"})
_monitoring.AlertPolicy("silent-alert", display_name="nobody hears this", combiner="OR", project=env.config.project,
                        conditions=[{"display_name": "c", "condition_absent": {"duration": "300s",
                                     "filter": "metric.type=\\"x\\""}}])
"""


def report(out: str) -> set[tuple[str, str]]:
    return {(f["rule"], f["resource"]) for f in json.loads(out)["findings"] if not f["suppressed"]}


def test_example_repository_passes_with_only_documented_exceptions(repo: Path, cli) -> None:
    code, out, _ = cli(repo, "check", "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["checked"] == ["dev", "prod"] and data["passed"] is True
    assert all(f["suppressed"] and f["reason"] for f in data["findings"])
    assert {f["rule"] for f in data["findings"]} == {"CKV_GCP_42", "CKV_GCP_49", "CKV_GCP_62", "CKV2_GCP_33"}


def test_known_bad_resources_fail_the_checks_they_should(repo: Path, cli) -> None:
    main = repo / "__main__.py"
    main.write_text(main.read_text() + KNOWN_BAD)
    code, out, _ = cli(repo, "check", "dev", "--format", "json")
    assert code == 1
    failed = report(out)
    expected = {
        ("CKV_GCP_114", "google_storage_bucket.public_bucket"),  # public access prevention not enforced
        ("CKV_GCP_29", "google_storage_bucket.public_bucket"),  # no uniform bucket-level access
        ("CKV_GCP_117", "google_project_iam_member.basic_role"),  # basic role
        ("CKV_GCP_84", "google_artifact_registry_repository.unencrypted"),  # no CMEK
        ("CKV_EST_4", "google_artifact_registry_repository.unencrypted"),  # no cleanup policies
        ("CKV_EST_2", "google_monitoring_alert_policy.silent_alert"),  # no notification channel
        ("CKV_EST_3", "google_monitoring_alert_policy.silent_alert"),  # no documentation
        ("CKV_EST_5", "google_monitoring_alert_policy.silent_alert"),  # no labels
    }
    assert expected <= failed, sorted(failed)
    assert {resource.split(".")[1] for _, resource in failed} == {
        "public_bucket",
        "basic_role",
        "unencrypted",
        "silent_alert",
    }


def test_promotion_rule_violations_fail_the_check(repo: Path, cli) -> None:
    card = repo / "model_cards/churn/v7.yaml"
    card.write_text(card.read_text().replace("value: 0.874", "value: 0.7"))
    code, out, _ = cli(repo, "check", "dev", "--format", "text")
    assert code == 1
    assert (
        "VIOLATION promotion/card-metrics model_cards/churn/v7.yaml [churn/v7]: auc 0.7 is below the minimum 0.8" in out
    )


def test_invalid_manifest_is_exit_2_and_named_in_the_report(repo: Path, cli) -> None:
    manifest = repo / "stacks/dev/models/churn.yaml"
    manifest.write_text(manifest.read_text().replace("v7: 10", "v7: 20"))
    code, out, _ = cli(repo, "check", "--format", "text")
    assert code == 2
    assert (
        "VIOLATION schema/invalid-input stacks/dev/models/churn.yaml:25: traffic: traffic split sums to 110, "
        "must be 100"
    ) in out


def test_an_exception_without_a_reason_is_invalid_input(repo: Path, cli) -> None:
    (repo / "policies/exceptions.yaml").write_text("exceptions:\n  - rule: CKV_GCP_62\n    resource: '*'\n")
    code, _, err = cli(repo, "check", "dev")
    assert code == 2
    assert err == "policies/exceptions.yaml:2: exceptions.0.reason: required key is missing\n"


def test_sarif_for_code_scanning(repo: Path, cli) -> None:
    code, out, _ = cli(repo, "check", "dev", "--format", "sarif")
    assert code == 0
    sarif = json.loads(out)
    results = sarif["runs"][0]["results"]
    assert results and all(r["suppressions"][0]["justification"] for r in results)


def test_base_checks_only_changed_stacks(repo: Path, cli) -> None:
    manifest = repo / "stacks/prod/models/churn.yaml"
    manifest.write_text(manifest.read_text().replace("maxReplicas: 6", "maxReplicas: 8"))
    commit_all(repo, "prod scales further")
    code, out, _ = cli(repo, "check", "--base", "HEAD~1", "--format", "json")
    assert code == 0 and json.loads(out)["checked"] == ["prod"]


@pytest.mark.parametrize("stack", ["nope", "Bad!"])
def test_unknown_stack_is_bad_input(repo: Path, cli, stack: str) -> None:
    code, out, _ = cli(repo, "check", stack)
    assert code == 2 and f"stacks/{stack}" in out
