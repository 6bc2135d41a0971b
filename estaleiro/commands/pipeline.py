"""`estaleiro pipeline compile|image` and `estaleiro pipeline run NAME --model M --in STACK --local`.

Continuous training runs here; model-quality's run is estaleiro/commands/model_quality.py.

A local run takes the model's manifest from the stack exactly as a scheduled run in the cloud
would, reads its data from files (or generates the synthetic churn data set when none is
given), and proposes a better model as a branch of this repository. Everything that can be
wrong with the input is found before the first step runs.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import click

from estaleiro.config.environment import Environment, Model, load_environment
from estaleiro.config.image import STAGES, load_model_image
from estaleiro.config.pipelines import QUALITY_PIPELINE
from estaleiro.errors import InvalidInput, Problem
from estaleiro.layout import display
from estaleiro.pipelines.catalog import pipeline as find
from estaleiro.pipelines.compile import compile_all

TRAINING_OPTIONS = ("--data", "--baseline")
QUALITY_OPTIONS = ("--log", "--labels", "--as-of")


def compile_pipelines(root: Path) -> int:
    for path in compile_all(root):
        click.echo(f"wrote {display(root, path)}")
    return 0


def image(root: Path) -> int:
    """`<target> <reference>` per line: what cloudbuild/model-image.yaml builds, and compiled pipelines name."""
    model_image = load_model_image(root)
    for stage in STAGES:
        click.echo(f"{stage} {model_image.target(stage)}")
    return 0


def run(
    root: Path,
    name: str,
    model_name: str,
    stack: str,
    data: Path | None,
    baseline: Path | None,
    log: Path | None = None,
    labels: Path | None = None,
    as_of: str | None = None,
) -> int:
    find(name)  # an unknown NAME is bad input before anything else
    options = {"--data": data, "--baseline": baseline, "--log": log, "--labels": labels, "--as-of": as_of}
    takes = QUALITY_OPTIONS if name == QUALITY_PIPELINE else TRAINING_OPTIONS
    foreign = [option for option, value in options.items() if value is not None and option not in takes]
    if foreign:
        raise InvalidInput([Problem(foreign[0], "", f"not an option of {name}; it takes {', '.join(takes)}")])
    env = load_environment(root, stack)
    if name == QUALITY_PIPELINE:
        from estaleiro.commands.model_quality import run as measure

        return measure(root, env, model_name, log, labels, as_of)
    return _train(root, env, name, model_name, data, baseline)


def _train(root: Path, env: Environment, name: str, model_name: str, data: Path | None, baseline: Path | None) -> int:
    from estaleiro.pipelines.local import RUNS, local_arguments, report_to_stderr, run_local
    from estaleiro.training.schedule import run_parameters
    from estaleiro.training.spec import spec_for

    pipeline = find(name)
    model = _trained_model(env, model_name)
    for option, path in (("--data", data), ("--baseline", baseline)):
        if path is not None:
            _readable(option, path)
    compiled = env.pipelines[model.manifest.training.pipeline]  # type: ignore[union-attr]
    image = compiled.model_image
    assert image is not None  # checked where the environment loads
    spec = spec_for(env, model, image.target("serve"))
    if spec.champion is None:
        raise InvalidInput(
            [Problem(model.file, "traffic", f"{model_name} serves no version: nothing to judge against")]
        )
    folder = root / RUNS / f"{name}-{model_name}-{env.name}-{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%SZ}"
    arguments = local_arguments(root, run_parameters(env, model, compiled), folder, data, baseline)
    click.echo(
        f"{name}: {model_name} in {env.name}, champion {spec.champion.version}, outputs in {display(root, folder)}",
        err=True,
    )
    outcome = run_local(pipeline.build(root, image.target("train")), arguments, folder, report_to_stderr)
    return summary(root, outcome.folder, outcome.log, outcome.failure if not outcome.succeeded else "")


def _readable(option: str, path: Path) -> None:
    """Rows read as the drift check reads them: an empty or corrupt file is bad input, not a run that
    stops at validation (exit 1, as if the data had been judged)."""
    from estaleiro.datasets import read_table

    if not path.is_file():
        raise InvalidInput([Problem(option, "", f"{path} does not exist")])
    try:
        read_table(str(path))
    except InvalidInput as err:
        raise InvalidInput([Problem(option, "", str(problem)) for problem in err.problems]) from None


def _trained_model(env: Environment, name: str) -> Model:
    model = env.model(name)
    if model is None:
        served = ", ".join(m.name for m in env.models) or "none"
        raise InvalidInput([Problem(f"stacks/{env.name}/models/{name}.yaml", "", f"no such model; models: {served}")])
    if model.manifest.training is None:
        raise InvalidInput([Problem(model.file, "training", "no training block: add one to retrain this model")])
    return model


def summary(root: Path, outputs: Path, log: Path, failure: str) -> int:
    """Where everything is; exit 1 when the run ends without a proposal (a stop, a rejected challenger, or a
    proposal of that version already under review)."""
    shown = {
        "drift report": outputs / "validate" / "report",
        "metrics": outputs / "evaluate" / "scores",
        "model": outputs / "train" / "model",
        "verdict": outputs / "judge" / "verdict",
        "log": log,
    }
    for what, path in shown.items():
        if path.exists():
            click.echo(f"{what + ':':<14} {display(root, path)}")
    if failure:
        click.echo(f"stopped: {failure}")
        return 1
    proposal = outputs / "propose" / "proposal"
    if not proposal.exists():
        verdict = json.loads((outputs / "judge" / "verdict").read_text(encoding="utf-8"))
        click.echo("not proposed: " + "; ".join(verdict["reasons"]))
        return 1
    made = json.loads(proposal.read_text(encoding="utf-8"))
    if "pending" in made:
        click.echo(f"not proposed: {made['reason']}")
        return 1
    for key in ("version", "artifact", "card", "branch"):
        click.echo(f"{key + ':':<14} {made[key]}")
    click.echo(f"\n{made['diff']}")
    click.echo(f"Suggested pull request title:\n\n{made['title']}\n\nSuggested pull request body:\n\n{made['body']}")
    return 0
