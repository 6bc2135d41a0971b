"""Plans of a working tree or of a git ref, each in its own worker process, side by side."""

from __future__ import annotations

import tempfile
from pathlib import Path

from estaleiro import git, layout
from estaleiro.errors import InvalidInput
from estaleiro.plan.model import Plan
from estaleiro.plan.reads import READS
from estaleiro.workers import finish, start

WORKER = "estaleiro.plan.worker"


def plan_trees(trees: list[tuple[Path, str]]) -> list[Plan]:
    """Plan each (root, stack) concurrently; the first failure is raised as the worker reported it."""
    started = [start(WORKER, root, str(root), stack) for root, stack in trees]
    return [
        Plan.from_json(finish(worker, f"planning stack {stack}"))
        for worker, (_, stack) in zip(started, trees, strict=True)
    ]


def plan_reads(trees: list[tuple[Path, str]]) -> list[frozenset[str] | None]:
    """The repository files each (root, stack)'s plan reads, planned concurrently.

    None where that is unknown: the stack does not load (whoever loads it reports why), or the
    tree's own plan worker records no reads (an Estaleiro older than estaleiro/plan/reads.py).
    """
    started = [start(WORKER, root, str(root), stack) for root, stack in trees]
    known: list[frozenset[str] | None] = []
    for worker, (_, stack) in zip(started, trees, strict=True):
        try:
            reads = finish(worker, f"planning stack {stack}").get(READS)
        except InvalidInput:
            reads = None
        known.append(None if reads is None else frozenset(reads))
    return known


def plan_with_base(root: Path, stack: str, ref: str) -> tuple[Plan, Plan]:
    """(base, head): a stack that does not exist at `ref` has an empty base, so all of it is created."""
    with tempfile.TemporaryDirectory(prefix="estaleiro-base-") as scratch:
        base_root = git.export(root, ref, "--base", Path(scratch))
        if (base_root / layout.stack_folder(stack)).is_dir():
            base, head = plan_trees([(base_root, stack), (root, stack)])
        else:
            base, head = Plan(stack=stack, resources=()), plan_trees([(root, stack)])[0]
    return base, head
