"""`estaleiro ci deploy STACK --base REF`: `pulumi up` after the upstream stack, one at a time, never backwards.

- Upstream first: a stack promoted from another (`estaleiro:promotion.from: dev`) waits, when the
  push since REF touched that stack (or REF is no commit of this history: a first push or a
  force-push), until it runs this commit or a newer one; it stops at once if the upstream
  deployment of this commit failed.
- Never backwards: a stack that already runs a newer commit is left alone (two merges whose
  builds finish out of order). With --repository/--branch, the branch is fetched before each
  look, so a commit merged after this build started is known.
- One at a time: the state backend's lock serialises updates; a locked stack is waited for.

Needs `pulumi login <state backend>` done. Pulumi records the git commit of every update
(`git.head` in `pulumi stack history`), which is what the checks above read.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from estaleiro import git, layout
from estaleiro.commands.ci_history import branch_refspec, fetch
from estaleiro.commands.ci_stacks import pushed_stacks
from estaleiro.config.environment import load_stack_config
from estaleiro.errors import EstaleiroError, InvalidInput, MissingTool, Problem

LOCKED = "is currently locked"
Update = dict[str, Any]


class DeployRefused(EstaleiroError):
    """The stack must not deploy this commit (its upstream failed it, or never ran it in time): exit 1."""


@dataclass(frozen=True)
class Waiting:
    """How long a deploy may wait, in all, for its upstream and for the stack's lock, and how often it looks."""

    timeout: float
    interval: float

    def __post_init__(self) -> None:
        """click's FloatRange(min=0) lets nan and inf through: one sleeps or waits forever."""
        for option, seconds in (("--timeout", self.timeout), ("--interval", self.interval)):
            if not math.isfinite(seconds):
                raise InvalidInput([Problem(option, "", f"got {seconds}, expected a finite number of seconds")])


def stack_history(root: Path, stack: str) -> list[Update]:
    """Updates of the stack, newest first, as `pulumi stack history --json` prints them."""
    command = ["pulumi", "stack", "history", "--stack", stack, "--json"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EstaleiroError(f"{' '.join(command)} failed: {result.stderr.strip()}")
    try:
        updates = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as err:
        raise EstaleiroError(f"{' '.join(command)} printed no JSON ({err}): {result.stdout[:200]!r}") from None
    return [u for u in updates if isinstance(u, dict) and u.get("kind") == "update"]


def commit_of(update: Update) -> str | None:
    environment = update.get("environment")
    return str(environment["git.head"]) if isinstance(environment, dict) and "git.head" in environment else None


def running(history: list[Update]) -> str | None:
    """The commit of the newest successful update: what the stack runs."""
    return next((commit_of(u) for u in history if u.get("result") == "succeeded"), None)


def failed(history: list[Update], commit: str) -> bool:
    """Whether the newest update of `commit` failed."""
    return next((u.get("result") == "failed" for u in history if commit_of(u) == commit), False)


def includes(root: Path, newer: str, older: str) -> bool:
    """`older` is `newer` or one of its ancestors (False when git does not know `newer`)."""
    return git.succeeds(root, "merge-base", "--is-ancestor", older, newer)


def up(root: Path, stack: str) -> tuple[int, str]:
    """`pulumi up`, its output shown as it comes and returned."""
    config = layout.stack_file(stack)
    command = ["pulumi", "up", "--yes", "--non-interactive", "--stack", stack, "--config-file", config]
    lines: list[str] = []
    with subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout or ():
            click.echo(line, nl=False)
            lines.append(line)
    return process.returncode, "".join(lines)


def deploy(root: Path, stack: str, base: str, repository: str | None, branch: str | None, waiting: Waiting) -> int:
    if shutil.which("pulumi") is None:
        raise MissingTool("pulumi is not on PATH: install the Pulumi CLI (scripts/install-pulumi)")
    commit = git.run(root, "rev-parse", "HEAD").strip()
    deadline = time.monotonic() + waiting.timeout

    def refresh() -> None:
        if repository and branch:
            fetch(root, repository, branch_refspec(branch))

    def wait(reason: str) -> None:
        """Every look is reported, the last one too: a slow look may leave no time for a second."""
        last = time.monotonic() + waiting.interval > deadline
        click.echo(f"{stack}: {reason}; " + ("giving up" if last else f"next look in {waiting.interval:.0f} s"))
        if last:
            raise DeployRefused(f"{stack}: gave up after {waiting.timeout:.0f} s: {reason}")
        time.sleep(waiting.interval)

    upstream = load_stack_config(root, stack).promotion.from_stack
    if upstream is not None and upstream in pushed_stacks(root, base):
        while True:
            refresh()
            history = stack_history(root, upstream)
            deployed = running(history)
            if deployed is not None and includes(root, deployed, commit):
                click.echo(f"{stack}: {upstream} runs {deployed}, which includes {commit}")
                break
            if failed(history, commit):
                raise DeployRefused(f"{stack}: {upstream} failed to deploy {commit}; not deploying")
            wait(f"waiting for {upstream} to deploy {commit}")
    while True:
        refresh()
        deployed = running(stack_history(root, stack))
        if deployed is not None and deployed != commit and includes(root, deployed, commit):
            click.echo(f"{stack}: already runs {deployed}, newer than {commit}; nothing to do")
            return 0
        code, output = up(root, stack)
        if code == 0 or LOCKED not in output:
            return code
        wait("another update holds the stack's lock")
