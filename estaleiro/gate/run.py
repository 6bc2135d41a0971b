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

WORKER = "estaleiro.gate.worker"


@contextmanager
def base_tree(root: Path, ref: str | None) -> Iterator[BaseTree]:
    """The base a change is judged against: `ref`'s tip when given (CI; HEAD must contain it), else `HEAD`.

    With `ref`, the base's tree also judges (its code, rules and waivers). Without it, a
    repository with no commit yet has no base: every stack in it is new.
    """
    if ref is None and not _has_commits(root):
        yield BaseTree("HEAD", None)
        return
    commit = "HEAD" if ref is None else _merge_base(root, ref)
    with tempfile.TemporaryDirectory(prefix="estaleiro-base-") as scratch:
        exported = git.export(root, commit, "--base", Path(scratch))
        yield BaseTree(ref or "HEAD", exported, judges=ref is not None, repository=root, commit=commit)


def judge(root: Path, stacks: list[str], tree: BaseTree, edits: Mapping[str, str] | None = None) -> list[Finding]:
    """The promotion rules on each stack (with `edits`, {manifest path: new text}, applied) against `tree`.

    When `tree` judges (`check --base`), its own gate and rules run, with nothing of `root`
    importable, and its governance rule judges the files the change touches; else `root`'s rules
    run. Edited stacks are judged in a scratch copy of their folder and of the model cards, the
    same loader reading them as it reads the working tree; the working tree is not touched.
    """
    if not stacks and not tree.judges:
        return []
    with tempfile.TemporaryDirectory(prefix="estaleiro-head-") as scratch:
        head = _edited_copy(root, edits, Path(scratch)) if edits else root
        base = str(tree.path) if tree.path else NO_TREE
        history = {"repository": str(tree.repository), "commit": tree.commit} if tree.repository else None
        if tree.judges and tree.path:
            code = _trusted_code(tree.path, tree.ref)
            worker = start(WORKER, code, str(code), str(head), base, tree.ref, *stacks, inherit_path=False)
            request = {"changed": sorted(git.changed_files(root, tree.ref, "--base")), "history": history}
            return [Finding(**f) for f in finish(worker, f"judging with the rules of {tree.ref}", request)]
        worker = start(WORKER, root, str(root), str(head), base, tree.ref, *stacks)
        return [Finding(**f) for f in finish(worker, "judging the promotion rules", {"history": history})]


def _trusted_code(tree: Path, ref: str) -> Path:
    """The base's tree, when it holds the gate it must run: the pull request's never stands in for it."""
    for needed in (f"{WORKER.replace('.', '/')}.py", "policies/promotion/__init__.py"):
        if not (tree / needed).is_file():
            raise InvalidInput(
                [
                    Problem(
                        "--base",
                        "",
                        f"{ref} has no {needed}: the gate runs the base's code and rules, not the change's",
                    )
                ]
            )
    return tree


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
    """The base a change is judged against: `ref`'s tip, which HEAD must contain.

    A change behind its target would be judged by rules, waivers and upstream stacks no longer in
    force (a version dev has since rolled back could still enter prod): it is refused until it is
    brought up to date, as GitHub's up-to-date requirement or a merge queue does in CI.
    """
    tip = git.commit(root, ref, "--base")
    try:
        base = git.merge_base(root, tip, "--base")
    except git.GitFailed:
        raise InvalidInput([Problem("--base", "", f"{ref!r} has no merge base with HEAD in this repository")]) from None
    if base != tip:
        behind = git.run(root, "rev-list", "--count", f"{base}..{tip}").strip()
        raise InvalidInput(
            [
                Problem(
                    "--base",
                    "",
                    f"HEAD is {behind} commit(s) behind {ref}: merge or rebase onto it first; a change is judged "
                    "against the tip it merges into, not a stale merge base",
                )
            ]
        )
    return base
