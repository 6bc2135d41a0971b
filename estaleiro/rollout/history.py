"""A manifest's committed past, newest first: where `rollback` finds what served before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from estaleiro import git
from estaleiro.config.data_file import parse_document
from estaleiro.config.manifest import ModelManifest
from estaleiro.config.validation import parse
from estaleiro.errors import InvalidInput


def committed(root: Path, relative: str) -> Iterator[ModelManifest]:
    """Each commit's version of `relative` that still reads as a manifest, newest first.

    A commit that deleted the file, or a text that today's schema no longer accepts, is
    skipped: it cannot be rolled back to.
    """
    for commit, content in git.history(root, relative):
        shown = f"{relative} at {commit[:12]}"
        try:
            yield parse(ModelManifest, parse_document(content.decode("utf-8"), shown).data, shown)
        except (InvalidInput, UnicodeDecodeError):
            continue
