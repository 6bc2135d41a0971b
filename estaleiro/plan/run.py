"""Plans of a working tree or of a git ref, each in its own worker process, side by side."""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from pathlib import Path

from estaleiro.errors import InvalidInput, Problem
from estaleiro.plan.model import Plan
from estaleiro.workers import finish, start


def plan_trees(trees: list[tuple[Path, str]]) -> list[Plan]:
    """Plan each (root, stack) concurrently; the first failure is raised as the worker reported it."""
    started = [start("estaleiro.plan.worker", root, str(root), stack) for root, stack in trees]
    return [
        Plan.from_json(finish(worker, f"planning stack {stack}"))
        for worker, (_, stack) in zip(started, trees, strict=True)
    ]


def export_ref(root: Path, ref: str, into: Path) -> Path:
    """The tracked files of `ref`, extracted with `git archive`: the user's checkout is never touched."""
    resolved = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if resolved.returncode != 0:
        raise InvalidInput([Problem("--base", "", f"{ref!r} is not a commit, branch or tag of this repository")])
    archive = into / "ref.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), resolved.stdout.strip()], cwd=root, check=True
    )
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def plan_with_base(root: Path, stack: str, ref: str) -> tuple[Plan, Plan]:
    """(base, head): a stack that does not exist at `ref` has an empty base, so all of it is created."""
    with tempfile.TemporaryDirectory(prefix="estaleiro-base-") as scratch:
        base_root = export_ref(root, ref, Path(scratch))
        if (base_root / "stacks" / stack).is_dir():
            base, head = plan_trees([(base_root, stack), (root, stack)])
        else:
            base, head = Plan(stack=stack, resources=()), plan_trees([(root, stack)])[0]
    return base, head
