"""The command line: parse, dispatch, and turn failures into exit codes in one place.

Exit codes: 0 ok; 1 violations or refused by policy; 2 bad input (nothing written);
3 an unexpected error (details in the log file named on screen).
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from estaleiro.errors import EstaleiroError
from estaleiro.repo import repo_root

CRASH_LOG = Path(tempfile.gettempdir()) / "estaleiro-crash.log"
FORMATS = click.Choice(["text", "md", "json"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Estaleiro: GitOps for MLOps on Google Cloud. Runs on the git repository you are in."""


@cli.command()
@click.argument("stack")
@click.option("--base", metavar="REF", help="Show what changes relative to this git ref.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
def plan(stack: str, base: str | None, fmt: str, out: Path | None) -> int:
    """Plan STACK offline; with --base, the diff a pull request would apply."""
    from estaleiro.commands.plan import plan as run

    return run(repo_root(), stack, base, fmt, out)  # type: ignore[arg-type]


@cli.command()
@click.argument("stacks", nargs=-1)
@click.option("--base", metavar="REF", help="Only the stacks a change since this git ref touches.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json", "sarif"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
def check(stacks: tuple[str, ...], base: str | None, fmt: str, out: Path | None) -> int:
    """Validate manifests and cards, apply promotion rules, run checkov: one report."""
    from estaleiro.commands.check import check as run

    return run(repo_root(), list(stacks), base, fmt, out)  # type: ignore[arg-type]


@cli.command()
@click.argument("model")
@click.argument("version")
@click.option("--to", "to", required=True, metavar="STACK", help="Stack to promote into.")
@click.option("--canary", type=int, metavar="PCT", help="Start the version at PCT % of traffic.")
@click.option("--artifact-uri", help="gs:// folder of the model artifact (new versions only).")
@click.option("--image", help="Serving container image (new versions only).")
def promote(model: str, version: str, to: str, canary: int | None, artifact_uri: str | None, image: str | None) -> int:
    """Write the manifest change that promotes MODEL VERSION into a stack, for a pull request."""
    from estaleiro.commands.promote import promote as run

    return run(repo_root(), model, version, to, canary=canary, artifact_uri=artifact_uri, image=image)


@cli.command()
@click.argument("model")
@click.argument("version")
@click.option("--in", "stack", required=True, metavar="STACK", help="Stack whose canary completes.")
def complete(model: str, version: str, stack: str) -> int:
    """Move MODEL VERSION to 100 % of traffic in a stack and retire the other versions."""
    from estaleiro.commands.promote import complete as run

    return run(repo_root(), model, version, stack)


@cli.command()
@click.option("--changed-since", metavar="REF", help="Only stacks a change since this git ref touches.")
def stacks(changed_since: str | None) -> int:
    """List stacks in deployment order (upstream first)."""
    from estaleiro.commands.stacks import stacks as run

    return run(repo_root(), changed_since)


@cli.command()
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
@click.option("--html", type=click.Path(path_type=Path, dir_okay=False), help="Also write the HTML report here.")
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


@cli.group()
def pipeline() -> None:
    """Kubeflow pipelines: compile them, run them on this machine."""


@pipeline.command("compile")
def pipeline_compile() -> int:
    """Write pipeline_specs/compiled/<pipeline>.yaml for every pipeline (byte-identical on every run)."""
    from estaleiro.commands.pipeline import compile_pipelines

    return compile_pipelines(repo_root())


@pipeline.command("run")
@click.argument("name")
@click.option("--model", "model", required=True, help="Model whose manifest the run takes its values from.")
@click.option("--in", "stack", required=True, metavar="STACK", help="Stack the model serves in.")
@click.option("--local", is_flag=True, required=True, help="Run on this machine with kfp.local (required for now).")
@click.option("--data", type=click.Path(path_type=Path, dir_okay=False), help="Training rows (Parquet/CSV); default: generated.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False), help="Baseline rows for drift; default: generated.")
def pipeline_run(name: str, model: str, stack: str, local: bool, data: Path | None, baseline: Path | None) -> int:
    """Run pipeline NAME for MODEL in STACK on this machine. Exit 0 proposed, 1 not proposed, 2 bad input."""
    from estaleiro.commands.pipeline import run

    return run(repo_root(), name, model, stack, data, baseline)


@cli.group()
def env() -> None:
    """Environments (stacks)."""


@env.command("clone")
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
        CRASH_LOG.write_text(traceback.format_exc(), encoding="utf-8")
        click.echo(f"estaleiro: unexpected error; details in {CRASH_LOG}", err=True)
        return 3
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
