"""`estaleiro pipeline run model-quality --model M --in STACK --local [--log F --labels F --as-of T]`.

The run a schedule starts in the cloud, on this machine: the model's `monitoring.quality` from the
stack, the request log and the ground truth from Parquet files (or generated, the champion's quality
declining over the days), DuckDB in BigQuery's place, and the Cloud Monitoring requests written to a
file instead of sent. When a version declined, the incident the decline alert would publish is
written beside them, for `estaleiro retrain --incident FILE` to take up.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path

import click

from estaleiro.config.environment import Environment, Model
from estaleiro.config.monitoring import Quality
from estaleiro.config.pipelines import QUALITY_PIPELINE
from estaleiro.errors import InvalidInput, Problem
from estaleiro.layout import display
from estaleiro.quality.query import LABEL_COLUMNS, REQUEST_COLUMNS


def run(root: Path, env: Environment, model_name: str, log: Path | None, labels: Path | None, as_of: str | None) -> int:
    from estaleiro.pipelines.catalog import pipeline
    from estaleiro.pipelines.local import RUNS, report_to_stderr, run_local
    from estaleiro.quality.incident import incident
    from estaleiro.quality.parameters import run_parameters

    model = _measured_model(env, model_name)
    quality = model.manifest.monitoring.quality
    assert quality is not None
    when = _as_of(as_of)
    _check_files(log, labels)
    served = {v: v for v, percent in model.manifest.traffic.items() if percent > 0}  # locally, ids name versions
    if not served:
        raise InvalidInput([Problem(model.file, "traffic", f"{model_name} serves no version: nothing to measure")])
    image = env.pipelines[QUALITY_PIPELINE].model_image
    assert image is not None  # checked where the environment loads
    folder = (
        root / RUNS / f"{QUALITY_PIPELINE}-{model_name}-{env.name}-{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%SZ}"
    )
    requests, truth = _data(folder, log, labels, quality, when, model)
    points = folder / "points.json"
    click.echo(
        f"{QUALITY_PIPELINE}: {model_name} in {env.name} as of {when.isoformat()}, outputs in {display(root, folder)}",
        err=True,
    )
    outcome = run_local(
        pipeline(QUALITY_PIPELINE).build(root, image.target("train")),
        run_parameters(env, model, str(requests), str(truth), json.dumps(served), when.isoformat(), str(points)),
        folder,
        report_to_stderr,
    )
    if not outcome.succeeded:
        click.echo(f"stopped: {outcome.failure}\nlog:        {display(root, outcome.log)}")
        return 1
    windows, verdict_file = outcome.folder / "measure" / "windows", outcome.folder / "decide" / "verdict"
    verdict = json.loads(verdict_file.read_text(encoding="utf-8"))
    click.echo("\n".join(verdict["report"]))
    for what, path in (("windows", windows), ("verdict", verdict_file), ("points", points), ("log", outcome.log)):
        click.echo(f"{what + ':':<11} {display(root, path)}")
    declined = [v for v in verdict["declined"] if v in served]
    if not declined:
        click.echo("no served version declined")
        return 0
    version = max(declined, key=lambda v: (model.manifest.traffic[v], v))  # the alert for what serves most
    written = folder / "incident.json"
    written.write_text(json.dumps(incident(env.config, env.name, model_name, version, quality, when), indent=2))
    click.echo(f"incident:   {display(root, written)}")
    click.echo(f"declined: {', '.join(declined)}; the decline alert would open the incident above")
    return 1


EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(9000, 1, 1, tzinfo=datetime.UTC)


def _measured_model(env: Environment, name: str) -> Model:
    model = env.model(name)
    if model is None:
        served = ", ".join(m.name for m in env.models) or "none"
        raise InvalidInput([Problem(f"stacks/{env.name}/models/{name}.yaml", "", f"no such model; models: {served}")])
    if model.manifest.monitoring.quality is None:
        message = "no quality block: add one (labels, threshold, ...) to measure served quality"
        raise InvalidInput([Problem(model.file, "monitoring.quality", message)])
    return model


def _as_of(text: str | None) -> datetime.datetime:
    if text is None:
        return datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(
            [Problem("--as-of", "", f"got {text!r}, expected a time with its zone such as 2026-11-20T06:00:00+00:00")]
        )
    if not EARLIEST <= parsed < LATEST:  # the windows before it, and the days generated, must stay datetimes
        message = f"got {text!r}, expected a time from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} (UTC)"
        raise InvalidInput([Problem("--as-of", "", message)])
    return parsed


def _check_files(log: Path | None, labels: Path | None) -> None:
    """Both files or neither; each a Parquet file with the columns the quality query reads."""
    import pyarrow

    from estaleiro.quality.local import missing_columns

    if (log is None) != (labels is None):
        given, other = ("--log", "--labels") if log is not None else ("--labels", "--log")
        raise InvalidInput(
            [Problem(other, "", f"missing: {given} and {other} go together (or neither, to generate both)")]
        )
    for option, path, columns in (("--log", log, REQUEST_COLUMNS), ("--labels", labels, LABEL_COLUMNS)):
        if path is None:
            continue
        if not path.is_file():
            raise InvalidInput([Problem(option, "", f"{path} does not exist")])
        try:
            missing = missing_columns(path, columns)
        except (OSError, pyarrow.ArrowInvalid) as err:
            raise InvalidInput([Problem(str(path), "", f"not a Parquet file ({err})")]) from err
        if missing:
            message = f"missing column(s) {', '.join(missing)}; the quality query reads {', '.join(columns)}"
            raise InvalidInput([Problem(str(path), "", message)])
    if log is not None and labels is not None:
        _check_values(log, labels)


def _check_values(log: Path, labels: Path) -> None:
    """Labels are 0 or 1 and some are present; every score the log holds is a finite number.

    Anything else would measure nonsense (an AUC over a label 2, a NaN score) and call it a verdict.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    label = pq.read_table(labels, columns=["label"]).column("label")
    if label.null_count == len(label):
        raise InvalidInput([Problem(str(labels), "", "label is empty in every row")])
    strange = sorted({value for value in pc.unique(label).to_pylist() if value is not None} - {0, 1})
    if strange:
        raise InvalidInput([Problem(str(labels), "", f"label holds {strange[0]!r}; labels are 0 or 1")])
    payloads = pq.read_table(log, columns=["response_payload"]).column(0)
    if pa.types.is_list(payloads.type):  # ARRAY<STRING>, one prediction per instance (estaleiro/quality/log_table.py)
        payloads = pc.list_flatten(payloads)
    for payload in pc.unique(payloads).to_pylist():
        score = _score(payload)
        if score is not None and not math.isfinite(score):
            message = f"a score is not a finite number ({score})"
            raise InvalidInput([Problem(str(log), "response_payload", message)])


def _score(payload: object) -> float | None:
    """A prediction as the quality query reads it: a number, or the first of a response's `predictions`."""
    try:
        value = json.loads(str(payload))
        return float(value["predictions"][0] if isinstance(value, dict) else value)
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _data(
    folder: Path, log: Path | None, labels: Path | None, quality: Quality, as_of: datetime.datetime, model: Model
) -> tuple[Path, Path]:
    """The given files, or a generated log and labels in which the champion's quality declines."""
    if log is not None and labels is not None:
        return log.resolve(), labels.resolve()
    from estaleiro.quality.generate import declining

    generated = folder / "data"
    generated.mkdir(parents=True, exist_ok=True)
    traffic = {v: float(p) for v, p in model.manifest.traffic.items() if p > 0}
    frames = declining(as_of, quality, traffic)
    paths = (generated / "request-log.parquet", generated / "ground-truth.parquet")
    for frame, path in zip(frames, paths, strict=True):
        frame.to_parquet(path, index=False)
    return paths
