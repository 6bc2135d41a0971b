"""Which stacks exist, in which order they deploy, and which a change touches."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from estaleiro import git, layout
from estaleiro.config.environment import load_stack_config
from estaleiro.errors import InvalidInput, Problem


def all_stacks(root: Path) -> list[str]:
    return layout.stack_names(root)


def deployment_order(root: Path, stacks: list[str]) -> list[str]:
    """Upstream stacks first (dev before prod), so a version is served where it was proven before."""
    graph = TopologicalSorter({s: {load_stack_config(root, s).promotion.from_stack} - {None} for s in stacks})
    try:
        order = list(graph.static_order())
    except CycleError as err:
        raise InvalidInput(
            [Problem(layout.STACKS, "estaleiro:promotion.from", f"promotion cycle: {err.args[1]}")]
        ) from err
    return [s for s in order if s in stacks]


def changed_stacks(root: Path, ref: str, where: str = "git ref") -> list[str]:
    """Stacks whose files, model cards or shared code changed since `ref` (merge base), committed or not."""
    files = git.changed_files(root, ref, where)
    stacks = all_stacks(root)
    if any(f.startswith(layout.SHARED) for f in files):
        return stacks
    touched = {layout.stack_of(f) for f in files}
    models = {model for f in files if (model := layout.model_of_card(f))}
    return [s for s in stacks if s in touched or any((root / layout.manifest_file(s, m)).is_file() for m in models)]
