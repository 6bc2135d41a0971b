"""The command line: parse, dispatch, and turn failures into exit codes in one place.

Exit codes: 0 ok; 1 violations or refused by policy; 2 bad input (nothing written);
3 an unexpected error (details in the log file named on screen).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from estaleiro.errors import EstaleiroError
from estaleiro.layout import repo_root
from estaleiro.output import check_writable, write_atomic

FORMATS = click.Choice(["text", "md", "json"])


def crash_log() -> Path:
    """Per user, where the XDG base directories put state (another user's file there cannot stop us writing)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "estaleiro" / "crash.log"


def _writable(_ctx: click.Context, _param: click.Parameter, out: Path | None) -> Path | None:
    """`--out` is checked before any work, so a long check never ends in an unwritable path."""
    if out is not None:
        check_writable(out)
    return out


def exit_codes(*codes: str) -> str:
    """The --help epilog of a command: its own exit codes, then the one every command shares."""
    lines = sorted([*codes, "3  unexpected error, a bug (the message names the log file)"])
    return "\b\nExit codes:\n" + "\n".join(f"  {line}" for line in lines)


OK_OR_BAD_INPUT = exit_codes("0  done", "2  bad input (nothing written)")
CI = exit_codes(
    "0  done", "1  GitHub failed", "2  bad input (arguments, no GITHUB_TOKEN, a repository or commit git cannot fetch)"
)
PIPELINE = exit_codes(
    "0  a better model proposed",
    "1  not proposed: the data stopped the run, or the challenger lost",
    "2  bad input (nothing ran)",
)
PIPELINE_RUN = exit_codes(
    "0  continuous-training: a better model proposed; model-quality: no served version declined",
    "1  continuous-training: not proposed (the data stopped the run, or the challenger lost); "
    "model-quality: a version declined (incident.json written), or a step failed",
    "2  bad input (nothing ran, nothing written)",
)
EDITS = exit_codes("0  manifest written, PR text printed", "1  refused by a promotion rule", "2  bad input")


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=exit_codes("0  ok", "1  violations or refused by policy", "2  bad input", "4  checkov missing"),
)
@click.version_option(package_name="estaleiro", prog_name="estaleiro")
def cli() -> None:
    """Estaleiro: GitOps for MLOps on Google Cloud. Runs on the git repository you are in."""


@cli.command(epilog=exit_codes("0  planned", "2  bad input"))
@click.argument("stack")
@click.option("--base", metavar="REF", help="Show what changes relative to this git ref.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), callback=_writable, help="Write here instead of stdout.")
def plan(stack: str, base: str | None, fmt: str, out: Path | None) -> int:
    """Plan STACK offline; with --base, the diff a pull request would apply."""
    from estaleiro.commands.plan import plan as run

    return run(repo_root(), stack, base, fmt, out)  # type: ignore[arg-type]


@cli.command(epilog=exit_codes("0  pass", "1  violations", "2  bad input", "4  checkov missing (run scripts/install)"))
@click.argument("stacks", nargs=-1)
@click.option(
    "--base",
    metavar="REF",
    help="Judge the change since the merge base with REF (CI: the target branch), and only the stacks it "
    "touches; default: the working tree against HEAD, every stack.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json", "sarif"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), callback=_writable, help="Write here instead of stdout.")
def check(stacks: tuple[str, ...], base: str | None, fmt: str, out: Path | None) -> int:
    """Validate manifests and cards, apply promotion rules, run checkov: one report."""
    from estaleiro.commands.check import check as run

    return run(repo_root(), list(stacks), base, fmt, out)  # type: ignore[arg-type]


@cli.command(
    epilog=exit_codes(
        "0  every need met, no unwaived excess grant",
        "1  a permission missing, or a grant held for nothing (not waived)",
        "2  bad input",
    )
)
@click.argument("stack")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), callback=_writable, help="Write here instead of stdout.")
def access(stack: str, fmt: str, out: Path | None) -> int:
    """Who may do what in STACK (from its offline plan), and every permission missing or held for nothing."""
    from estaleiro.commands.access import access as run

    return run(repo_root(), stack, fmt, out)  # type: ignore[arg-type]


@cli.command(epilog=EDITS)
@click.argument("model")
@click.argument("version")
@click.option("--to", "to", required=True, metavar="STACK", help="Stack to promote into.")
@click.option(
    "--canary", type=int, metavar="PCT", help="Start at PCT % of traffic (default: the canary limit, else 100)."
)
@click.option("--artifact-uri", help="gs:// folder of the model artifact (new versions only).")
@click.option("--image", help="Serving container image (new versions only).")
def promote(model: str, version: str, to: str, canary: int | None, artifact_uri: str | None, image: str | None) -> int:
    """Write the manifest change that promotes MODEL VERSION into a stack, for a pull request.

    Nothing is written unless every promotion rule passes the edit, as `estaleiro check` would.
    """
    from estaleiro.rollout.edit import deliver
    from estaleiro.rollout.promotion import promotion

    root = repo_root()
    return deliver(root, promotion(root, model, version, to, canary=canary, artifact_uri=artifact_uri, image=image))


@cli.command(epilog=EDITS)
@click.argument("model")
@click.argument("version")
@click.option("--in", "stack", required=True, metavar="STACK", help="Stack whose rollout steps up.")
@click.option("--to", "percent", required=True, type=int, metavar="PCT", help="The version's new share, 1 to 99.")
def ramp(model: str, version: str, stack: str, percent: int) -> int:
    """Give MODEL VERSION PCT % of traffic in a stack: the next rollout step, its own pull request.

    Nothing is written unless every promotion rule passes the edit, as `estaleiro check` would.
    """
    from estaleiro.rollout.edit import deliver
    from estaleiro.rollout.ramp import ramp as step

    root = repo_root()
    return deliver(root, step(root, model, version, stack, percent))


@cli.command(epilog=EDITS)
@click.argument("model")
@click.argument("version")
@click.option("--in", "stack", required=True, metavar="STACK", help="Stack whose rollout completes.")
def complete(model: str, version: str, stack: str) -> int:
    """Move MODEL VERSION to 100 % of traffic in a stack and retire the other versions: the last step.

    Nothing is written unless every promotion rule passes the edit, as `estaleiro check` would.
    """
    from estaleiro.rollout.completion import completion
    from estaleiro.rollout.edit import deliver

    root = repo_root()
    return deliver(root, completion(root, model, version, stack))


@cli.command(
    epilog=exit_codes(
        "0  manifest written, PR text printed",
        "1  refused by a promotion rule, or nothing to roll back to",
        "2  bad input",
    )
)
@click.argument("model")
@click.option("--in", "stack", required=True, metavar="STACK", help="Stack to roll back.")
@click.option("--to", "to", metavar="VERSION", help="Version to move all traffic to (default: see above).")
def rollback(model: str, stack: str, to: str | None) -> int:
    """Move all of MODEL's traffic in a stack back: the on-call's one-command pull request.

    The version that served most before the latest change of the manifest's traffic (git history)
    takes 100 %, or --to VERSION; the other versions stay declared at 0 %. Prints the pull
    request with the reason to fill in. Nothing is written unless every promotion rule passes.
    """
    from estaleiro.rollout.edit import deliver
    from estaleiro.rollout.rollback import rollback as step

    root = repo_root()
    return deliver(root, step(root, model, stack, to))


@cli.command(epilog=OK_OR_BAD_INPUT)
@click.option("--changed-since", metavar="REF", help="Only stacks a change since this git ref touches.")
def stacks(changed_since: str | None) -> int:
    """List stacks in deployment order (upstream first)."""
    from estaleiro.commands.stacks import stacks as run

    return run(repo_root(), changed_since)


@cli.command(epilog=exit_codes("0  no feature over its threshold", "1  a feature over its threshold", "2  bad input"))
@click.argument("reference")
@click.argument("current")
@click.option("--model", metavar="MODEL", help="Take feature types and thresholds from this model's manifest.")
@click.option("--in", "stack", metavar="STACK", help="Stack whose manifest of MODEL to read.")
@click.option(
    "--features",
    metavar="SPEC",
    help="Features to measure: NAME or NAME:TYPE, comma-separated, TYPE numerical or categorical "
    "(e.g. plan:categorical,tenure_months:numerical); a NAME alone has its type inferred.",
)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option(
    "--html",
    type=click.Path(path_type=Path, dir_okay=False),
    callback=_writable,
    help="Also write the HTML report here.",
)
def drift(
    reference: str,
    current: str,
    model: str | None,
    stack: str | None,
    features: str | None,
    fmt: str,
    html: Path | None,
) -> int:
    """Drift of CURRENT from REFERENCE (CSV or Parquet, local or gs://) as Vertex AI Model Monitoring computes it."""
    from estaleiro.commands.drift import drift as run

    return run(reference, current, model=model, stack=stack, features=features, fmt=fmt, html=html)  # type: ignore[arg-type]


@cli.group(epilog=PIPELINE)
def pipeline() -> None:
    """Kubeflow pipelines: compile them, name their image, run them on this machine."""


@pipeline.command("compile", epilog=OK_OR_BAD_INPUT)
def pipeline_compile() -> int:
    """Write pipeline_specs/compiled/<pipeline>.yaml for every pipeline (byte-identical on every run)."""
    from estaleiro.commands.pipeline import compile_pipelines

    return compile_pipelines(repo_root())


@pipeline.command("image", epilog=OK_OR_BAD_INPUT)
def pipeline_image() -> int:
    """Print the model image's train and serve references, tagged with the hash of its build context."""
    from estaleiro.commands.pipeline import image

    return image(repo_root())


@pipeline.command("run", epilog=PIPELINE_RUN)
@click.argument("name")
@click.option("--model", "model", required=True, help="Model whose manifest the run takes its values from.")
@click.option("--in", "stack", required=True, metavar="STACK", help="Stack the model serves in.")
@click.option("--local", is_flag=True, required=True, help="Run on this machine with kfp.local (required for now).")
@click.option(
    "--data", type=click.Path(path_type=Path, dir_okay=False), help="Training rows (Parquet/CSV); default: generated."
)
@click.option(
    "--baseline", type=click.Path(path_type=Path, dir_okay=False), help="Baseline rows for drift; default: generated."
)
@click.option(
    "--log",
    type=click.Path(path_type=Path, dir_okay=False),
    help="model-quality: request log (Parquet; deployed_model_id names the version); default: generated.",
)
@click.option(
    "--labels",
    type=click.Path(path_type=Path, dir_okay=False),
    help="model-quality: ground truth (Parquet: request_key, label, label_time); default: generated.",
)
@click.option("--as-of", "as_of", help="model-quality: the run's time, ISO 8601 with a zone (default: now).")
def pipeline_run(
    name: str,
    model: str,
    stack: str,
    local: bool,
    data: Path | None,
    baseline: Path | None,
    log: Path | None,
    labels: Path | None,
    as_of: str | None,
) -> int:
    """Run pipeline NAME for MODEL in STACK on this machine, as a schedule would run it in the cloud."""
    from estaleiro.commands.pipeline import run

    return run(repo_root(), name, model, stack, data, baseline, log, labels, as_of)


@cli.command(
    epilog=exit_codes(
        "0  a run started and proposed a better model",
        "1  nothing started (the function's reason), or the run proposed nothing",
        "2  bad input (nothing ran)",
    )
)
@click.argument("incident", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--in", "stack", required=True, metavar="STACK", help="Stack whose retraining function gets it.")
@click.option("--local", is_flag=True, required=True, help="Run on this machine with kfp.local (required for now).")
def retrain(incident: Path, stack: str, local: bool) -> int:
    """Hand INCIDENT, an alert's Pub/Sub notification (JSON), to the retraining function, as the stack's topic would.

    The function (functions/retrain) decides; a run it starts runs here with kfp.local, remembered in
    .estaleiro/pipeline-jobs.json, and a better model ends as a branch ct/<model>-<version>.
    """
    from estaleiro.commands.retrain import retrain as run

    return run(repo_root(), incident, stack)


@cli.group(epilog=OK_OR_BAD_INPUT)
def env() -> None:
    """Environments (stacks)."""


@env.command("clone", epilog=exit_codes("0  stack written", "2  bad input (nothing written; never overwrites)"))
@click.argument("src")
@click.argument("dst")
@click.option("--project", required=True, help="GCP project id of the new environment.")
@click.option("--region", help="GCP region (default: the source's).")
@click.option("--team", help="Owning team, the `team` label (default: DST).")
@click.option("--with-models", is_flag=True, help="Also copy the source's model manifests.")
def env_clone(src: str, dst: str, project: str, region: str | None, team: str | None, with_models: bool) -> int:
    """Create stacks/DST from stacks/SRC for a new team."""
    from estaleiro.commands.env_clone import clone

    return clone(repo_root(), src, dst, project=project, region=region, team=team, with_models=with_models)


@cli.group(epilog=CI)
def ci() -> None:
    """What the CI/CD configs run (cloudbuild/, .github/workflows/); GitHub token in GITHUB_TOKEN."""


@ci.command("history", epilog=CI)
@click.argument("repository", metavar="OWNER/NAME")
@click.argument("commit")
@click.option("--branch", help="Also fetch this branch, as origin/BRANCH.")
def ci_history(repository: str, commit: str, branch: str | None) -> int:
    """Fetch the whole git history of COMMIT into this checkout (files untouched)."""
    from estaleiro.commands.ci_history import history

    return history(Path.cwd(), repository, commit, branch)


@ci.command("stacks", epilog=CI)
@click.option("--since", required=True, metavar="REF", help="The push's `before`; all zeros or unknown: every stack.")
def ci_stacks(since: str) -> int:
    """Print the stacks a push deploys, upstream first, as a JSON list."""
    from estaleiro.commands.ci_stacks import stacks as run

    return run(repo_root(), since)


@ci.command(
    "deploy",
    epilog=exit_codes(
        "0  deployed",
        "1  refused (a newer commit, no upstream deployment) or failed",
        "2  bad input",
        "4  pulumi missing (scripts/install-pulumi)",
    ),
)
@click.argument("stack")
@click.option("--base", required=True, metavar="REF", help="What the push is compared with: its `before` or parent.")
@click.option("--repository", metavar="OWNER/NAME", help="GitHub repository to fetch --branch from before each look.")
@click.option("--branch", help="The deployed branch.")
@click.option(
    "--timeout", type=click.FloatRange(min=0), default=3000, show_default=True, help="Seconds to wait in all."
)
@click.option("--interval", type=click.FloatRange(min=0), default=30, show_default=True, help="Seconds between looks.")
def ci_deploy(
    stack: str, base: str, repository: str | None, branch: str | None, timeout: float, interval: float
) -> int:
    """`pulumi up` STACK after its upstream stack, one update at a time, never over a newer commit."""
    from estaleiro.commands.ci_deploy import Waiting, deploy

    return deploy(repo_root(), stack, base, repository, branch, Waiting(timeout, interval))


@ci.command("comment", epilog=CI)
@click.argument("repository", metavar="OWNER/NAME")
@click.argument("number", type=click.IntRange(min=1))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", help="Which comment of the pull request this is (e.g. the stack).")
def ci_comment(repository: str, number: int, files: tuple[Path, ...], key: str | None) -> int:
    """Post FILES as the pull request's Estaleiro comment, or edit the one posted before."""
    from estaleiro.commands.ci_comment import comment

    return comment(repository, number, list(files), key)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="estaleiro", standalone_mode=False)
    except click.ClickException as err:
        err.show()
        return 2
    except click.exceptions.Abort:
        return 2
    except EstaleiroError as err:
        click.echo(str(err), err=True)
        return err.exit_code
    except Exception:
        click.echo(f"estaleiro: unexpected error (a bug); {_save_crash(traceback.format_exc())}", err=True)
        return 3
    return result if isinstance(result, int) else 0


def _save_crash(details: str) -> str:
    """Where the traceback went: the crash log, or the screen when even that cannot be written."""
    try:
        log = crash_log()
        log.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(log, details)
    except Exception:  # no home, a read-only disk: the screen is the last place left
        return f"details:\n{details}"
    return f"details in {log}"


if __name__ == "__main__":
    sys.exit(main())
