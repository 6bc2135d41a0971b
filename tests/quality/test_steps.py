"""The model-quality steps called as kfp calls them, on good and bad inputs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import google.auth
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import monitoring_v3 as v3

from estaleiro.quality.generate import served_days, served_log
from estaleiro.quality.windows import load
from pipeline_specs.steps.decide import decide
from pipeline_specs.steps.measure import measure
from tests.quality.test_query import RULE
from tests.training.fake_bigquery import Warehouse, serve

AS_OF = "2026-11-07T06:00:00+00:00"
VERSIONS = json.dumps({"1001": "v6", "1002": "v7"})
QUALITY = RULE.model_dump_json(by_alias=True)
DRIFT = {"1001": [0.0, 0.0, 0.7, 0.9, 0.9, 0.9, 0.9], "1002": [0.0] * 7}


def artifact(path: Path) -> SimpleNamespace:
    return SimpleNamespace(path=str(path), metadata={})


def measure_files(files: tuple[str, str], windows: SimpleNamespace, **changes: str) -> None:
    """The measure step over the log and labels files, as kfp calls it; `changes` override its arguments."""
    arguments = {"requests": files[0], "labels": files[1], "quality": QUALITY, "versions": VERSIONS}
    measure(**{**arguments, "project": "acme-ml-dev", "as_of": AS_OF, **changes}, windows=windows)  # type: ignore[arg-type]


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    log, labels = served_log(served_days(datetime(2026, 11, 1), DRIFT, 600, seed=5))
    log.to_parquet(tmp_path / "log.parquet")
    labels.to_parquet(tmp_path / "labels.parquet")
    return str(tmp_path / "log.parquet"), str(tmp_path / "labels.parquet")


def test_measure_on_files_hands_every_window_to_decide_which_writes_the_requests(
    files: tuple[str, str], tmp_path: Path
) -> None:
    windows = artifact(tmp_path / "windows")
    measure_files(files, windows)
    measured = load(Path(windows.path).read_text())
    assert {w.version for w in measured.windows} == {"v6", "v7"}
    assert windows.metadata["windows"] == 8  # Nov 1-4, each version
    verdict = artifact(tmp_path / "verdict")
    points = tmp_path / "points.json"
    decide(
        windows=windows,
        quality=QUALITY,
        versions=VERSIONS,
        model="churn",
        stack="dev",
        project="acme-ml-dev",
        as_of=AS_OF,
        points_file=str(points),
        verdict=verdict,
    )  # type: ignore[arg-type]
    assert json.loads(Path(verdict.path).read_text())["declined"] == ["v6"] and verdict.metadata == {"declined": "v6"}
    [request] = [v3.CreateTimeSeriesRequest.from_json(json.dumps(b)) for b in json.loads(points.read_text())]
    assert request.name == "projects/acme-ml-dev" and len(request.time_series) == 4


def test_measure_runs_the_query_in_bigquery_for_bq_tables(
    files: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    warehouse = Warehouse()
    for table, path, column in (
        ("acme-ml-dev.logs.churn", files[0], "logging_time"),
        ("acme-ml-dev.churn.truth", files[1], "label_time"),
    ):
        frame = pd.read_parquet(path)
        warehouse.add(table, frame.assign(**{column: frame[column].dt.tz_localize(UTC)}))
    windows = artifact(tmp_path / "windows")
    with serve(warehouse) as endpoint:
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", endpoint)
        monkeypatch.setattr(google.auth, "default", lambda *_, **__: (AnonymousCredentials(), None))
        measure(
            requests="bq://acme-ml-dev.logs.churn",
            labels="bq://acme-ml-dev.churn.truth",
            quality=QUALITY,
            versions=VERSIONS,
            project="acme-ml-dev",
            as_of=AS_OF,
            windows=windows,
        )  # type: ignore[arg-type]
    local = artifact(tmp_path / "local")
    measure_files(files, local)
    assert load(Path(windows.path).read_text()) == load(Path(local.path).read_text())
    assert any("/queries" in path or "/jobs" in path for _, path in warehouse.requests)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"labels": "bq://acme-ml-dev.churn.truth"}, "both bq:// tables or both files"),
        ({"as_of": "2026-11-07T06:00:00"}, "has no time zone"),
        ({"versions": '["v6"]'}, "is not a JSON object of deployed model id -> version"),
    ],
)
def test_measure_refuses_what_it_cannot_measure(
    files: tuple[str, str], tmp_path: Path, changes: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        measure_files(files, artifact(tmp_path / "windows"), **changes)


def test_decide_refuses_a_windows_artifact_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "windows").write_text('{"windows": [{"start": "yesterday"}]}')
    with pytest.raises((KeyError, TypeError, ValueError)):
        decide(
            windows=artifact(tmp_path / "windows"),
            quality=QUALITY,
            versions=VERSIONS,
            model="churn",
            stack="dev",
            project="p",
            as_of=AS_OF,
            points_file=str(tmp_path / "p.json"),
            verdict=artifact(tmp_path / "verdict"),
        )  # type: ignore[arg-type]
    assert not (tmp_path / "p.json").exists() and not (tmp_path / "verdict").exists()
