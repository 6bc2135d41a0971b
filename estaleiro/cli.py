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


def exit_codes(*codes: str) -> str:
    """The --help epilog of a command: its own exit codes, then the one every command shares."""
    lines = sorted([*codes, "3  unexpected error, a bug (the message names the log file)"])
    return "\b\nExit codes:\n" + "\n".join(f"  {line}" for line in lines)


OK_OR_BAD_INPUT = exit_codes("0  done", "2  bad input (nothing written)")
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
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
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
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
def check(stacks: tuple[str, ...], base: str | None, fmt: str, out: Path | None) -> int:
    """Validate manifests and cards, apply promotion rules, run checkov: one report."""
    from estaleiro.commands.check import check as run

    return run(repo_root(), list(stacks), base, fmt, out)  # type: ignore[arg-type]


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
