"""Plans of a working tree or of a git ref, each in its own worker process, side by side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from estaleiro import git, layout
from estaleiro.errors import EstaleiroError, InvalidInput, Problem
from estaleiro.plan.model import Plan


def plan_trees(trees: list[tuple[Path, str]]) -> list[Plan]:
    """Plan each (root, stack) concurrently; the first failure is raised as the worker reported it."""
    workers = [_start(root, stack) for root, stack in trees]
    return [_finish(worker, stack) for worker, (_, stack) in zip(workers, trees, strict=True)]


def _start(root: Path, stack: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(
        [sys.executable, "-m", "estaleiro.plan.worker", str(root), stack],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(worker: subprocess.Popen[str], stack: str) -> Plan:
    out, err = worker.communicate()
    if worker.returncode == 0:
        return Plan.from_json(json.loads(out))
    try:
        error = json.loads(out)["error"]
    except (ValueError, KeyError, TypeError):
        raise EstaleiroError(f"planning stack {stack} failed:\n{err.strip()}") from None
    if error["problems"]:
        raise InvalidInput([Problem(**p) for p in error["problems"]])
    raise EstaleiroError(f"planning stack {stack} failed: {error['message']}")


def plan_with_base(root: Path, stack: str, ref: str) -> tuple[Plan, Plan]:
    """(base, head): a stack that does not exist at `ref` has an empty base, so all of it is created."""
    with tempfile.TemporaryDirectory(prefix="estaleiro-base-") as scratch:
        base_root = git.export(root, ref, "--base", Path(scratch))
        if (base_root / layout.stack_folder(stack)).is_dir():
            base, head = plan_trees([(base_root, stack), (root, stack)])
        else:
            base, head = Plan(stack=stack, resources=()), plan_trees([(root, stack)])[0]
    return base, head
