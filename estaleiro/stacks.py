"""Which stacks exist, in which order they deploy, and which a change touches."""

from __future__ import annotations

import subprocess
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from estaleiro.config.environment import load_stack_config
from estaleiro.errors import InvalidInput, Problem

SHARED = ("components/", "estaleiro/", "policies/", "__main__.py", "Pulumi.yaml", "pyproject.toml")


def all_stacks(root: Path) -> list[str]:
    folder = root / "stacks"
    return (
        sorted(p.name for p in folder.iterdir() if (p / f"Pulumi.{p.name}.yaml").is_file()) if folder.is_dir() else []
    )


def deployment_order(root: Path, stacks: list[str]) -> list[str]:
    """Upstream stacks first (dev before prod), so a version is served where it was proven before."""
    graph = TopologicalSorter({s: {load_stack_config(root, s).promotion.from_stack} - {None} for s in stacks})
    try:
        order = list(graph.static_order())
    except CycleError as err:
        raise InvalidInput([Problem("stacks", "estaleiro:promotion.from", f"promotion cycle: {err.args[1]}")]) from err
    return [s for s in order if s in stacks]


def changed_stacks(root: Path, ref: str) -> list[str]:
    """Stacks whose files, model cards or shared code changed since `ref` (merge base), committed or not."""
    files = _changed_files(root, ref)
    stacks = all_stacks(root)
    if any(f.startswith(SHARED) for f in files):
        return stacks
    models = {f.split("/")[1] for f in files if f.startswith("model_cards/") and f.count("/") >= 2}
    return [
        s
        for s in stacks
        if any(f.startswith(f"stacks/{s}/") for f in files)
        or any((root / "stacks" / s / "models" / f"{m}.yaml").is_file() for m in models)
    ]


def _changed_files(root: Path, ref: str) -> set[str]:
    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise InvalidInput([Problem(f"git ref {ref!r}", "", result.stderr.strip() or "git failed")])
        return result.stdout

    base = git("merge-base", ref, "HEAD").strip()
    changed = git("diff", "--name-only", base).splitlines()
    untracked = git("ls-files", "--others", "--exclude-standard").splitlines()
    return set(changed) | set(untracked)
