"""The model-quality pipeline, compiled and run whole on this machine with kfp.local."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from google.cloud import monitoring_v3 as v3

from estaleiro.config.environment import load_environment
from estaleiro.quality.generate import served_days, served_log
from tests.conftest import REPO, commit_all, git

RUN = ("pipeline", "run", "model-quality", "--model", "churn", "--in", "dev", "--local")
AS_OF = "2026-11-20T06:00:00+00:00"


def run_folder(repo: Path) -> Path:
    [folder] = (repo / ".estaleiro/runs").iterdir()
    return folder


def test_the_template_bakes_in_nothing_of_a_stack() -> None:
    text = (REPO / "pipeline_specs/compiled/model-quality.yaml").read_text(encoding="utf-8")
    for stack in ("dev", "prod"):
        config = load_environment(REPO, stack).config
        assert config.project not in text.replace("acme-ml-dev-containers", "").replace("/acme-ml-dev/", "/"), stack
    assert "pip install" not in text
    pipeline = load_environment(REPO, "prod").pipelines["model-quality"]
    assert pipeline.parameters == (
        "quality", "requests", "labels", "versions", "model", "stack", "project", "as_of", "points_file"
    )  # fmt: skip
    assert pipeline.model_image is not None


def test_a_declining_champion_is_reported_and_opens_an_incident(repo: Path, cli) -> None:
    code, out, err = cli(repo, *RUN, "--as-of", AS_OF)
    assert code == 1, out + err
    assert "measure quality          success" in err and "decide and write points  success" in err
    assert "2026-11-15 00:00   1441/1800   labelled ( 80.1%)  auc    0.7451  missed" in out
    assert "2026-11-17 00:00   1065/1800   labelled ( 59.2%)  auc    0.4842  skipped: coverage 59.2% below" in out
    assert "  DECLINED: missed 2 of the last 3 countable windows (declined at 2 of 3)" in out
    assert "v7\n" in out and "  holds: missed 0 of the last 3" in out
    assert "labels: 78 duplicate (the latest won), 36 for request keys the log never saw; 0 unreadable" in out
    folder = run_folder(repo)
    incident = json.loads((folder / "incident.json").read_text())["incident"]
    assert incident["policy_user_labels"]["retrain"] == "quality" and incident["metric"]["labels"]["version"] == "v6"
    requests = [
        v3.CreateTimeSeriesRequest.from_json(json.dumps(b)) for b in json.loads((folder / "points.json").read_text())
    ]
    values = {
        (s.metric.type.rsplit("/", 1)[1], s.metric.labels["version"]): s.points[0].value
        for s in requests[0].time_series
    }
    assert values[("quality_declined", "v6")].int64_value == 1 and values[("quality_declined", "v7")].int64_value == 0
    assert round(values[("model_quality", "v6")].double_value, 4) == 0.6305  # the latest countable window
    assert {s.points[0].interval.end_time for s in requests[0].time_series} == {datetime.fromisoformat(AS_OF)}
    assert f"incident:   {(folder / 'incident.json').relative_to(repo)}" in out
    assert git(repo, "status", "--porcelain") == "", "runs go to the gitignored .estaleiro/"


def test_a_healthy_log_declines_nothing_and_opens_no_incident(repo: Path, cli, tmp_path: Path) -> None:
    drift = {"v6": [0.0] * 10, "v7": [0.0] * 10}
    log, labels = served_log(served_days(datetime(2026, 11, 11), drift, 1000, label_delay=timedelta(days=2), seed=3))
    log.to_parquet(tmp_path / "log.parquet")
    labels.to_parquet(tmp_path / "labels.parquet")
    code, out, err = cli(
        repo,
        *RUN,
        "--log",
        str(tmp_path / "log.parquet"),
        "--labels",
        str(tmp_path / "labels.parquet"),
        "--as-of",
        AS_OF,
    )
    assert code == 0, out + err
    assert "DECLINED" not in out and "no served version declined" in out
    assert not (run_folder(repo) / "incident.json").exists() and (run_folder(repo) / "points.json").exists()


def test_bad_input_is_refused_before_any_step_runs(repo: Path, cli, tmp_path: Path) -> None:
    no_column = tmp_path / "no-column.parquet"
    pd.DataFrame({"request_key": ["k1"], "label": [1]}).to_parquet(no_column)
    text = tmp_path / "text.parquet"
    text.write_text("request_key,label\n")
    cases = [
        ((*RUN[:4], "fraud", *RUN[5:]), "stacks/dev/models/fraud.yaml: no such model; models: churn\n"),
        ((*RUN[:6], "qa", RUN[7]), "stacks/qa: no such stack; existing stacks: dev, prod\n"),
        (
            (*RUN, "--labels", str(no_column)),
            "--log: missing: --labels and --log go together (or neither, to generate both)\n",
        ),
        (
            (*RUN, "--log", str(tmp_path / "none.parquet"), "--labels", str(no_column)),
            f"--log: {tmp_path / 'none.parquet'} does not exist\n",
        ),
        (
            (*RUN, "--as-of", "2026-11-20"),
            "--as-of: got '2026-11-20', expected a time with its zone such as 2026-11-20T06:00:00+00:00\n",
        ),
        (
            (*RUN, "--data", str(no_column)),
            "--data: not an option of model-quality; it takes --log, --labels, --as-of\n",
        ),
    ]
    for args, message in cases:
        assert cli(repo, *args) == (2, "", message), args
    log = tmp_path / "log.parquet"
    served_log(served_days(datetime(2026, 11, 11), {"v6": [0.0]}, 10))[0].to_parquet(log)
    code, out, err = cli(repo, *RUN, "--log", str(log), "--labels", str(no_column))
    assert (code, out) == (2, "")
    assert err == f"{no_column}: missing column(s) label_time; the quality query reads request_key, label, label_time\n"
    code, out, err = cli(repo, *RUN, "--log", str(text), "--labels", str(no_column))
    assert (code, out) == (2, "") and err.startswith(f"{text}: not a Parquet file (")
    assert not (repo / ".estaleiro").exists()


def test_a_manifest_without_a_quality_block_is_refused(repo: Path, cli) -> None:
    manifest = repo / "stacks/prod/models/churn.yaml"
    text = manifest.read_text()
    start = text.index("  quality:")
    end = text.index("decline:", start)
    manifest.write_text(text[:start] + text[text.index("\n", end) + 1 :])
    commit_all(repo, "no quality in prod")
    code, out, err = cli(repo, *RUN[:6], "prod", RUN[7])
    assert (code, out) == (2, "")
    assert err == (
        "stacks/prod/models/churn.yaml: monitoring.quality: "
        "no quality block: add one (labels, threshold, ...) to measure served quality\n"
    )
    assert not (repo / ".estaleiro").exists()


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
def test_a_time_out_of_range_is_bad_input(repo: Path, cli, as_of: str) -> None:
    """The windows before 0001-01-01 overflowed datetime (exit 3)."""
    message = f"--as-of: got {as_of!r}, expected a time from 1970-01-01 to 9000-01-01 (UTC)\n"
    assert cli(repo, *RUN, "--as-of", as_of) == (2, "", message)
    assert not (repo / ".estaleiro").exists()


def labelled_files(tmp_path: Path, labels: list[object], score: str = "0.5") -> tuple[str, str, str, str]:
    log, truth = served_log(served_days(datetime(2026, 11, 11), {"v6": [0.0]}, 10))
    truth = truth.head(len(labels)).assign(label=labels)
    log = log.assign(response_payload=[f'{{"predictions": [{score}]}}'] * len(log))
    log.to_parquet(tmp_path / "log.parquet")
    truth.to_parquet(tmp_path / "labels.parquet")
    return "--log", str(tmp_path / "log.parquet"), "--labels", str(tmp_path / "labels.parquet")


@pytest.mark.parametrize(
    ("labels", "score", "problem"),
    [
        pytest.param([0, 2, 1], "0.5", "labels: label holds 2; labels are 0 or 1", id="label 2"),
        pytest.param([None, None], "0.5", "labels: label is empty in every row", id="all null"),
        pytest.param([0, 1], "NaN", "log: response_payload: a score is not a finite number (nan)", id="NaN score"),
    ],
)
def test_labels_and_scores_out_of_their_domain_are_bad_input(
    repo: Path, cli, tmp_path: Path, labels: list[object], score: str, problem: str
) -> None:
    args = labelled_files(tmp_path, labels, score)
    file, _, detail = problem.partition(": ")
    code, out, err = cli(repo, *RUN, *args, "--as-of", AS_OF)
    assert (code, out, err) == (2, "", f"{tmp_path / (file + '.parquet')}: {detail}\n")
    assert not (repo / ".estaleiro").exists()
