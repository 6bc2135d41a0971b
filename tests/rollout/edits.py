"""Edits the promotion tests make to their throwaway copy of the repository."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Cli = Callable[..., tuple[int, str, str]]  # the `cli` fixture: (exit code, stdout, stderr)


def edit(repo: Path, relative: str, old: str, new: str) -> None:
    """Replace `old` (which must be there) by `new` in one file."""
    path = repo / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new))


def add_card(repo: Path, version: str) -> None:
    """A card for `version`: v7's evidence under the new version's name."""
    text = (repo / "model_cards/churn/v7.yaml").read_text().replace("name: v7", f"name: {version}")
    (repo / f"model_cards/churn/{version}.yaml").write_text(text)


def manifest(repo: Path, stack: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((repo / f"stacks/{stack}/models/churn.yaml").read_text())
    return data


def snapshot(repo: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time: equal snapshots mean nothing was written."""
    return {
        p.relative_to(repo).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }
