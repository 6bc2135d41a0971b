"""Run a pipeline whole on this machine with `kfp.local`, one progress line per step.

`SubprocessRunner(use_venv=False)` runs each step as a process of this Python, which has
everything the model image's train target has (both install this package from one lock).
kfp's own log (every step's output) goes to `run.log` in the run's folder; the screen gets
one line per finished step.
"""

from __future__ import annotations

import io
import re
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfp import local
from kfp.dsl.base_component import BaseComponent

FINISHED = re.compile(r"Task '([^']+)' finished with status (\w+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ERROR = re.compile(r"^\s*[A-Za-z_][\w.]*: (.*)$")  # a traceback's last line: `module.Class: message`
RUNS = Path(".estaleiro/runs")  # gitignored: one folder per local run


@dataclass(frozen=True)
class LocalRun:
    succeeded: bool
    folder: Path  # the run's outputs: <pipeline_root>/<run name>/<task>/<output>
    log: Path
    failure: str  # the failing step's error, when a step failed


class _Progress(io.TextIOBase):
    """Everything kfp prints goes to the log; a finished step also becomes a line on the screen."""

    def __init__(self, log: io.TextIOBase, report: Callable[[str], None], names: Mapping[str, str]) -> None:
        self.log, self.report, self.names, self.started = log, report, names, time.monotonic()
        self.failed: list[str] = []

    def write(self, text: str) -> int:
        self.log.write(text)
        for task, status in FINISHED.findall(ANSI.sub("", text)):
            if status == "FAILURE":
                self.failed.append(task)
            shown = self.names.get(task, task)
            self.report(f"  {shown:<24} {status.lower():<8} {time.monotonic() - self.started:6.1f} s")
        return len(text)

    def flush(self) -> None:
        self.log.flush()


def local_arguments(
    root: Path, values: Mapping[str, Any], folder: Path, data: Path | None = None, baseline: Path | None = None
) -> dict[str, Any]:
    """A scheduled run's values, with what exists only in the cloud replaced by this machine's stand-ins.

    The rows come from files (the given ones, or the synthetic churn data set), the proposal is a
    branch of the repository at `root`, and the buckets are folders of the run.
    """
    here: dict[str, Any] = {"repository": str(root), "bucket_mirror": str(folder / "buckets")}
    if "data_uri" in values:
        here["data_uri"], here["baseline_uri"] = _data(folder, data, baseline)
    return {key: here.get(key, value) for key, value in values.items()}


def _data(folder: Path, data: Path | None, baseline: Path | None) -> tuple[str, str]:
    """The given files, or the synthetic churn data set: baseline and fresh rows from different seeds."""
    from estaleiro.training.dataset import churn_frame

    generated = folder / "data"
    uris = []
    for given, seed, name in ((data, 1, "training.parquet"), (baseline, 0, "baseline.parquet")):
        if given is None:
            generated.mkdir(parents=True, exist_ok=True)
            given = generated / name
            churn_frame(seed=seed).to_parquet(given, index=False)
        uris.append(str(given.resolve()))
    return uris[0], uris[1]


def run_local(
    pipeline: BaseComponent, arguments: Mapping[str, Any], folder: Path, report: Callable[[str], None]
) -> LocalRun:
    folder.mkdir(parents=True, exist_ok=True)
    root, log_path = folder / "outputs", folder / "run.log"
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(root), raise_on_error=False)
    with log_path.open("w", encoding="utf-8") as log, warnings.catch_warnings():
        # kfp warns that display names do nothing locally and that the image is not used here: both known.
        warnings.filterwarnings("ignore", module=r"kfp\.local\..*")
        progress = _Progress(log, report, display_names(pipeline))
        with redirect_stdout(progress):
            pipeline(**arguments)
    outputs = sorted(p for p in root.iterdir() if p.is_dir())
    failure = _failure(log_path.read_text(encoding="utf-8")) if progress.failed else ""
    return LocalRun(not progress.failed, outputs[-1], log_path, failure)


def display_names(pipeline: BaseComponent) -> dict[str, str]:
    """Task name -> the display name the pipeline gave it, in every DAG of the spec."""
    spec = pipeline.pipeline_spec
    dags = [spec.root.dag, *(c.dag for c in spec.components.values() if c.HasField("dag"))]
    return {task: info.task_info.name for dag in dags for task, info in dag.tasks.items()}


def _failure(log: str) -> str:
    """The error the failing step raised, as its message says it: the end of the log's last traceback."""
    _, _, last = ANSI.sub("", log).rpartition("Traceback (most recent call last):")
    errors = [m.group(1) for line in last.splitlines() if (m := ERROR.match(line))]
    return errors[-1] if errors else "a step failed; its output is in the log"


def report_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
