"""`estaleiro stacks [--changed-since REF]`: what CI plans and deploys, in deployment order."""

from __future__ import annotations

from pathlib import Path

import click

from estaleiro.stacks import all_stacks, changed_stacks, deployment_order


def stacks(root: Path, changed_since: str | None) -> int:
    names = all_stacks(root) if changed_since is None else changed_stacks(root, changed_since, "--changed-since")
    for name in deployment_order(root, names):
        click.echo(name)
    return 0
