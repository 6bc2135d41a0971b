"""Which stacks exist, in which order they deploy, and which a change touches."""

from __future__ import annotations

import tempfile
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from estaleiro import git, layout
from estaleiro.config.environment import load_stack_config
from estaleiro.errors import InvalidInput, Problem
from estaleiro.plan.run import plan_reads


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
    """Stacks whose plan reads a file changed since `ref` (merge base), committed or not.

    What a plan reads is recorded as it runs (estaleiro/plan/reads.py): its stack file, its
    manifests through their links, the cards they cite, the model image's settings and build
    context, the compiled pipelines, the function it uploads, the program's modules. A file the
    change deletes is looked for in the plans at the base. A stack that does not load is affected
    (its problems are reported by whoever loads it), as is one whose reads are unknown.
    """
    files = git.changed_files(root, ref, where)
    stacks = all_stacks(root)
    if not files:
        return []
    affected = {
        s for s, reads in zip(stacks, plan_reads([(root, s) for s in stacks]), strict=True) if _reads(reads, files)
    }
    deleted = {f for f in files if not (root / f).is_file()}
    unsure = [s for s in stacks if s not in affected]
    if deleted and unsure:
        with tempfile.TemporaryDirectory(prefix="estaleiro-base-") as scratch:
            base = git.export(root, git.merge_base(root, ref, where), where, Path(scratch))
            there = [s for s in unsure if (base / layout.stack_file(s)).is_file()]
            affected |= {
                s for s, r in zip(there, plan_reads([(base, s) for s in there]), strict=True) if _reads(r, deleted)
            }
    return [s for s in stacks if s in affected]


def _reads(reads: frozenset[str] | None, files: set[str]) -> bool:
    return reads is None or not reads.isdisjoint(files)
