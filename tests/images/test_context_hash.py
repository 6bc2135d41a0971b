"""The model image's tag: a hash of its build context, by paths relative to the repository root."""

from __future__ import annotations

import shutil
from pathlib import Path

from estaleiro.config.image import CONTEXT, context_hash
from tests.conftest import REPO


def clone_context(root: Path) -> Path:
    for entry in CONTEXT:
        source = REPO / entry
        if source.is_dir():
            shutil.copytree(source, root / entry, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            (root / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / entry)
    return root


def test_the_clones_own_path_does_not_change_the_tag(tmp_path: Path) -> None:
    """Files were skipped when `.pyc` appeared anywhere in their absolute path: every file of a clone in
    `~/my.pycharm/` was skipped, and `pipeline compile` rewrote the specs with the wrong tag."""
    plain = clone_context(tmp_path / "plain" / "repo")
    odd = clone_context(tmp_path / "work.pyc-projects" / "__pycache__" / "repo")
    assert context_hash(odd) == context_hash(plain)


def test_bytecode_is_not_part_of_the_context(tmp_path: Path) -> None:
    root = clone_context(tmp_path / "repo")
    before = context_hash(root)
    (root / "estaleiro/__pycache__").mkdir()
    (root / "estaleiro/__pycache__/cli.cpython-311.pyc").write_bytes(b"\0")
    (root / "estaleiro/stray.pyc").write_bytes(b"\0")
    assert context_hash(root) == before
    (root / "estaleiro/new.py").write_text("x = 1\n")
    assert context_hash(root) != before
