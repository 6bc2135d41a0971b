"""Running the gate: the base tree of a change, and the repository's rules on each stack against it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from estaleiro import git, layout
from estaleiro.errors import InvalidInput, Problem
from estaleiro.findings import Finding
from estaleiro.gate.base import BaseTree
from estaleiro.gate.worker import NO_TREE
from estaleiro.workers import finish, start


@contextmanager
def base_tree(root: Path, ref: str | None) -> Iterator[BaseTree]:
    """The base a change is judged against: its merge base with `ref` when given (CI), else `HEAD`.

    Without `ref`, a repository with no commit yet has no base: every stack in it is new.
    """
    if ref is None and not _has_commits(root):
        yield BaseTree("HEAD", None)
        return
    commit = "HEAD" if ref is None else _merge_base(root, ref)
    with tempfile.TemporaryDirectory(prefix="estaleiro-base-") as scratch:
        yield BaseTree(ref or "HEAD", git.export(root, commit, "--base", Path(scratch)))


def judge(root: Path, stacks: list[str], tree: BaseTree, edits: Mapping[str, str] | None = None) -> list[Finding]:
    """`root`'s promotion rules on each stack (with `edits`, {manifest path: new text}, applied) against `tree`.

    Edited stacks are judged in a scratch copy of their folder and of the model cards, the
    same loader reading them as it reads the working tree; the working tree is not touched.
    """
    if not stacks:
        return []
    with tempfile.TemporaryDirectory(prefix="estaleiro-head-") as scratch:
        head = _edited_copy(root, edits, Path(scratch)) if edits else root
        base = str(tree.path) if tree.path else NO_TREE
        worker = start("estaleiro.gate.worker", root, str(root), str(head), base, tree.ref, *stacks)
        return [Finding(**f) for f in finish(worker, "judging the promotion rules")]


def _edited_copy(root: Path, edits: Mapping[str, str], into: Path) -> Path:
    """What the loader reads: every stack (a stack's upstream must exist), the cards and the compiled pipelines."""
    shutil.copytree(root / layout.STACKS, into / layout.STACKS, symlinks=True)
    for data in (layout.MODEL_CARDS, layout.COMPILED_PIPELINES):
        if (root / data).is_dir():
            shutil.copytree(root / data, into / data, symlinks=True)
    for relative, text in edits.items():
        (into / relative).parent.mkdir(parents=True, exist_ok=True)
        (into / relative).write_text(text, encoding="utf-8")
    return into


def _has_commits(root: Path) -> bool:
    try:
        git.run(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        return True
    except git.GitFailed:
        return False


def _merge_base(root: Path, ref: str) -> str:
    try:
        return git.run(root, "merge-base", git.commit(root, ref, "--base"), "HEAD").strip()
    except git.GitFailed:
        raise InvalidInput([Problem("--base", "", f"{ref!r} has no merge base with HEAD in this repository")]) from None
