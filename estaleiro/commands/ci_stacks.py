"""`estaleiro ci stacks --since REF`: the stacks a push deploys, as the JSON list a CI matrix takes.

A push's `before` is all zeros on a branch's first push, and after a force-push it names a commit
the new history does not hold: then nothing can say what changed, so every stack deploys, in order.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from estaleiro import git
from estaleiro.stacks import all_stacks, changed_stacks, deployment_order


def pushed_stacks(root: Path, before: str) -> list[str]:
    """Stacks changed since `before`, upstream first; every stack when `before` is no commit of this history."""
    known = bool(before.strip("0")) and git.succeeds(root, "cat-file", "-e", f"{before}^{{commit}}")
    if not known:
        click.echo(f"{before!r} is no commit of this history (a first push or a force-push): every stack", err=True)
    return deployment_order(root, changed_stacks(root, before) if known else all_stacks(root))


def stacks(root: Path, since: str) -> int:
    click.echo(json.dumps(pushed_stacks(root, since)))
    return 0
