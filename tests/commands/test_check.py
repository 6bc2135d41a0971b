from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from estaleiro.checkov.runner import checkov_command, reports, start
from estaleiro.checkov.tfplan import to_terraform_plan
from estaleiro.plan.run import plan_trees
from tests.conftest import commit_all
from tests.rollout.edits import edit_card
from tests.test_report import sarif_schema

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
_storage.BucketIAMMember("public-read", bucket="acme-ml-dev-public", role="roles/storage.objectViewer",
                         member="allUsers")
_monitoring.AlertPolicy("silent-alert", display_name="nobody hears this", combiner="OR", project=env.config.project,
                        conditions=[{"display_name": "c", "condition_absent": {"duration": "300s",
                                     "filter": "metric.type=\\"x\\""}}])
"""


PUBLIC_READ_URN = (
    "urn:pulumi:dev::estaleiro::pulumi:pulumi:Stack$gcp:storage/bucketIAMMember:BucketIAMMember::public-read"
)


def report(out: str) -> set[tuple[str, str]]:
    return {(f["rule"], f["resource"]) for f in json.loads(out)["findings"] if not f["waived"]}


def checkov_summaries(root: Path, stacks: list[str], into: Path) -> dict[str, dict[str, Any]]:
    """checkov's own summary of each stack's plan, each stack in a checkov run of its own."""
    runs = {}
    for stack, plan in zip(stacks, plan_trees([(root, s) for s in stacks]), strict=True):
        (into / stack).mkdir(parents=True)
        (into / stack / "plan.json").write_text(json.dumps(to_terraform_plan(plan).document))
        runs[stack] = start(checkov_command(root, into / stack, ("terraform_plan",), root))
    return {stack: report["summary"] for stack, run in runs.items() for report in reports(run)}


def test_example_repository_passes_with_only_waived_findings_counted_as_checkov_counts(
    repo: Path, cli, tmp_path: Path
) -> None:
    code, out, err = cli(repo, "check", "--format", "json")
    assert code == 0, out
    assert err == ""  # no progress where standard error is not a terminal
    data = json.loads(out)
    assert data["checked"] == ["dev", "prod"] and data["passed"] is True
    assert all(f["waived"] and f["reason"] for f in data["findings"])
    # CKV_SECRET_6: Pulumi's protocol constants in estaleiro/plan/mocks.py, waived in policies/waivers.yaml;
    # access/*: what `estaleiro access` shows and issue 18 fixes, waived there too
    rules = {"CKV_GCP_42", "CKV_GCP_49", "CKV_GCP_62", "CKV2_GCP_33", "CKV_SECRET_6", "access/excess", "access/missing"}
    assert {f["rule"] for f in data["findings"]} == rules
    judged = {j["target"]: j for j in data["judged"]}
    summaries = checkov_summaries(repo, ["dev", "prod"], tmp_path / "alone")
    for stack, summary in summaries.items():
        assert judged[stack]["resources"] == summary["resource_count"], stack
        assert judged[stack]["passed"] == summary["passed"], stack
        assert judged[stack]["failed"] + judged[stack]["waived"] == summary["failed"] + summary["skipped"], stack
    checkov_findings = [f for f in data["findings"] if f["source"] == "checkov"]
    assert sum(j["waived"] for j in data["judged"]) == len(checkov_findings) > 0


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
        ("CKV_GCP_28", "google_storage_bucket_iam_member.public_read"),  # a grant to allUsers: checkov's own check
    }
    assert expected <= failed, sorted(failed)
    assert ("CKV_EST_7", "google_storage_bucket_iam_member.public_read") not in failed  # judged once, not twice
    [public_read] = [f for f in json.loads(out)["findings"] if f["rule"] == "CKV_GCP_28"]
    assert (public_read["pulumi_name"], public_read["urn"]) == ("public-read", PUBLIC_READ_URN)
    findings = [f for f in json.loads(out)["findings"] if not f["waived"]]
    assert {f["resource"].split(".")[1] for f in findings if f["source"] == "checkov"} == {
        "public_bucket",
        "public_read",
        "basic_role",
        "unencrypted",
        "silent_alert",
    }
    # and the grants nothing needs are access findings of their own (estaleiro access)
    excess = {f["resource"] for f in findings if f["rule"] == "access/excess"}
    assert "allUsers roles/storage.objectViewer on bucket acme-ml-dev-public (acme-ml-dev)" in excess


def test_promotion_rule_violations_fail_the_check(repo: Path, cli) -> None:
    edit_card(
        repo,
        "model_cards/churn/v7.yaml",
        "value: 0.874, confidence_interval: {lower_bound: 0.869, upper_bound: 0.879}",
        "value: 0.7",
    )
    commit_all(repo, "a weaker v7 card, merged")  # else the edited card is a changed version too
    code, out, _ = cli(repo, "check", "dev", "--format", "text")
    assert code == 1
    assert (
        "VIOLATION promotion/card-metrics model_cards/churn/v7.yaml [churn/v7]: auc 0.7 is below the minimum 0.8" in out
    )
    endpoint = "acme-ml-dev-churn-endpoint"
    urn = f"urn:pulumi:dev::estaleiro::estaleiro:serving:ServedModel$gcp:vertex/aiEndpoint:AiEndpoint::{endpoint}"
    assert (
        "WAIVED CKV2_GCP_33 stacks/dev/Pulumi.dev.yaml [google_vertex_ai_endpoint.acme_ml_dev_churn_endpoint]: " in out
    )
    assert f"\n  Pulumi resource {endpoint}: {urn}\n" in out


def test_invalid_manifest_is_exit_2_and_named_in_the_report(repo: Path, cli) -> None:
    manifest = repo / "stacks/dev/models/churn.yaml"
    manifest.write_text(manifest.read_text().replace("v7: 10", "v7: 20"))
    code, out, _ = cli(repo, "check", "--format", "text")
    assert code == 2
    assert (
        "VIOLATION schema/invalid-input stacks/dev/models/churn.yaml:27: traffic: traffic split sums to 110, "
        "must be 100"
    ) in out


def test_a_waiver_without_a_reason_is_invalid_input(repo: Path, cli) -> None:
    (repo / "policies/waivers.yaml").write_text("waivers:\n  - rule: CKV_GCP_62\n    resource: '*'\n")
    code, _, err = cli(repo, "check", "dev")
    assert code == 2
    assert err == "policies/waivers.yaml:2: waivers.0.reason: required key is missing\n"


def test_sarif_for_code_scanning(repo: Path, cli) -> None:
    code, out, _ = cli(repo, "check", "dev", "--format", "sarif")
    assert code == 0
    sarif = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)
    run = sarif["runs"][0]
    assert run["results"] and all(r["suppressions"][0]["justification"] for r in run["results"])
    planned = [r for r in run["results"] if "logicalLocations" in r["locations"][0]]
    assert planned and all(
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("urn:pulumi:dev::estaleiro::")
        for r in planned
    )
    files = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] if r not in planned
    ]
    assert all((repo / uri).is_file() for uri in files), files  # file findings (the secrets scan) name the file
    assert run["properties"]["judged"][0]["target"] == "dev"


def test_progress_shows_on_a_terminal_and_leaves_the_report_alone(repo: Path) -> None:
    """stderr on a pseudo-terminal, as in a user's shell: a spinner; the report on stdout is unchanged."""
    controller, terminal = pty.openpty()
    # PYTHONSAFEPATH: the installed Estaleiro runs, not the copy of estaleiro/ inside the example repository.
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120", "PYTHONSAFEPATH": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "estaleiro.cli", "check", "dev"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process has exited
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    out = process.communicate()[0]
    assert process.returncode == 0, out
    assert b"planning dev" in shown and b"checkov: judging the plans and the repository's files" in shown
    assert out.startswith("PASS: 0 violation(s)") and "\x1b" not in out


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


def test_an_unwaived_access_finding_fails_the_check_naming_identity_and_file(repo: Path, cli) -> None:
    waivers = repo / "policies/waivers.yaml"
    waivers.write_text(waivers.read_text().split("  # access: ")[0])
    code, out, _ = cli(repo, "check", "prod", "--format", "json")
    assert code == 1
    failing = {(f["rule"], f["file"], f["resource"]) for f in json.loads(out)["findings"] if not f["waived"]}
    assert (
        "access/missing",
        "components/serving.py",
        "model-serving storage.objects.get on bucket acme-ml-dev-models",
    ) in failing
    assert {rule for rule, _, _ in failing} == {"access/excess", "access/missing"}
