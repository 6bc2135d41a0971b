"""`estaleiro retrain INCIDENT --in STACK --local`: an alert's incident, the function's own decision, and the run
it starts on this machine ending as a branch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from estaleiro.config.environment import load_environment
from estaleiro.pipelines.local import RUNS
from estaleiro.pipelines.local_service import STATE
from estaleiro.quality import series
from tests.conftest import REPO, git
from tests.pipelines.test_continuous_training import assert_proposed
from tests.pipelines.test_model_quality import AS_OF
from tests.pipelines.test_model_quality import RUN as MEASURE

JOB = "projects/acme-ml-dev/locations/us-central1/pipelineJobs/churn-retrain-"


def decline() -> str:
    quality = load_environment(REPO, "dev").model("churn").manifest.monitoring.quality  # type: ignore[union-attr]
    assert quality is not None
    return series.decline_condition("churn", quality)


def incident(
    path: Path, condition: str, retrain: str, incident_id: str = "0.quality-churn-1", state: str = "open", **labels: str
) -> Path:
    """What Cloud Monitoring publishes for an incident of the policy (schema 1.2), written where the test says."""
    document: dict[str, Any] = {
        "version": "1.2",
        "incident": {
            "incident_id": incident_id,
            "scoping_project_id": "acme-ml-dev",
            "state": state,
            "started_at": 1795430400,
            "summary": f"{condition} (dev/churn)",
            "policy_name": "dev/churn: model quality",
            "policy_user_labels": {"model": "churn", "env": "dev", "team": "ml-platform", "retrain": retrain, **labels},
            "condition_name": condition,
        },
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def jobs(repo: Path) -> list[str]:
    return [job["name"] for job in json.loads((repo / STATE).read_text())["jobs"]] if (repo / STATE).exists() else []


def test_the_loop_a_quality_decline_retrains_once_and_ends_with_a_branch_proposing_the_new_version(
    repo: Path, cli
) -> None:
    """Issue 12's loop on this machine: measured decline -> the alert's incident -> the function -> a branch."""
    code, out, err = cli(repo, *MEASURE, "--as-of", AS_OF)
    assert code == 1, out + err  # the champion declined: the run wrote the incident the alert would publish
    [declined] = (repo / RUNS).glob("model-quality-churn-dev-*/incident.json")
    assert json.loads(declined.read_text())["incident"]["condition_name"] == decline()

    code, out, err = cli(repo, "retrain", str(declined), "--in", "dev", "--local")
    assert code == 0, err
    assert out.startswith(f"decision: started {JOB}")
    [started] = jobs(repo)
    assert f"{started.rsplit('/', 1)[1]}: outputs in .estaleiro/runs/churn-retrain-" in err
    assert_proposed(repo, cli, out, err)

    code, out, err = cli(repo, "retrain", str(declined), "--in", "dev", "--local")
    assert (code, err) == (1, "")
    assert out == f"decision: {started} ran within 24 h (the rate limit): nothing started\n"
    assert jobs(repo) == [started], "delivered again: nothing new"


def test_a_drift_incident_starts_the_same_run(repo: Path, cli, tmp_path: Path) -> None:
    drifted = incident(tmp_path / "drift.json", "drift above 0.2: contract, plan", "drift", incident_id="0.drift-1")
    code, out, err = cli(repo, "retrain", str(drifted), "--in", "dev", "--local")
    assert code == 0, err
    assert out.startswith(f"decision: started {JOB}") and "branch:        ct/churn-v8" in out
    assert "ct/churn-v8" in git(repo, "branch", "--list")


@pytest.mark.parametrize(
    ("stack", "changes", "decision"),
    [
        pytest.param("dev", {"state": "closed"}, "the incident is closed: nothing to start", id="closed"),
        pytest.param(
            "dev",
            {"condition": "5xx responses above 5% of all", "retrain": "drift"},
            "condition '5xx responses above 5% of all' is no retraining condition "
            "(the policy retrains on 'drift' conditions): nothing to start",
            id="not a retraining condition",
        ),
        pytest.param("dev", {"model": "fraud"}, "stack dev does not train 'fraud': nothing started", id="unknown"),
        pytest.param("prod", {"env": "prod"}, "stack prod does not train 'churn': nothing started", id="not trained"),
    ],
)
def test_an_incident_that_asks_nothing_of_the_stack_starts_nothing(
    repo: Path, cli, tmp_path: Path, stack: str, changes: dict[str, str], decision: str
) -> None:
    values = {"condition": decline(), "retrain": series.RETRAIN, **changes}
    path = incident(tmp_path / "incident.json", **values)
    assert cli(repo, "retrain", str(path), "--in", stack, "--local") == (1, f"decision: {decision}\n", "")
    assert jobs(repo) == []


def test_bad_input_is_refused_before_anything_runs(repo: Path, cli, tmp_path: Path) -> None:
    good = incident(tmp_path / "incident.json", decline(), series.RETRAIN)
    no_state = tmp_path / "no-state.json"
    no_state.write_text(json.dumps({"version": "1.2", "incident": {"incident_id": "1", "condition_name": "x"}}))
    not_json = tmp_path / "not.json"
    not_json.write_text("quality declined!")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)  # json.loads recursed until Python gave up (exit 3)
    twice = tmp_path / "twice.json"
    twice.write_text(good.read_text().replace('"state": "open"', '"state": "closed", "state": "open"', 1))
    cases = [
        ((str(deep), "--in", "dev"), f"{deep}: data: nested too deeply to be an incident\n"),
        ((str(twice), "--in", "dev"), f"{twice}: data: key 'state' written twice; JSON would keep only the last\n"),
        ((str(no_state), "--in", "dev"), f"{no_state}: incident.state: got None, expected a non-empty string\n"),
        ((str(not_json), "--in", "dev"), f"{not_json}: data: not JSON (Expecting value: line 1 column 1 (char 0))\n"),
        ((str(tmp_path / "missing.json"), "--in", "dev"), f"{tmp_path / 'missing.json'}: cannot read it: "),
        ((str(good), "--in", "qa"), "stacks/qa: no such stack; existing stacks: dev, prod\n"),
    ]
    for args, message in cases:
        code, out, err = cli(repo, "retrain", *args, "--local")
        assert (code, out) == (2, ""), args
        assert err.startswith(message), (args, err)
    assert not (repo / ".estaleiro").exists()
    assert git(repo, "status", "--porcelain") == ""


def test_the_readme_incident_is_the_decline_alert_of_churn_in_dev() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8").split("cat > incident.json <<'EOF'\n", 1)[1]
    document = json.loads(text.split("\nEOF\n", 1)[0])
    assert document["incident"]["condition_name"] == decline()
    assert document["incident"]["policy_user_labels"] == {"model": "churn", "env": "dev", "retrain": series.RETRAIN}
