"""Edits the promotion tests make to their throwaway copy of the repository."""

from __future__ import annotations

import hashlib
import re
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


def sha256(repo: Path, relative: str) -> str:
    return hashlib.sha256((repo / relative).read_bytes()).hexdigest()


def entry(repo: Path, version: str, artifact: str | None = None) -> str:
    """`version`'s entry in a manifest, declared as v7 is (its artifact under its own name), citing its card."""
    card = f"model_cards/churn/{version}.yaml"
    return (
        f"  {version}:\n    artifactUri: {artifact or f'gs://acme-ml-dev-models/churn/{version}/'}\n"
        "    image: us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1@sha256:"
        "5a1f3c0e9d7b2a4f6e8c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a\n"
        f"    card: {card}\n    cardSha256: {sha256(repo, card)}\n"
    )


def edit_card(repo: Path, relative: str, old: str, new: str) -> None:
    """Edit a card and re-record its hash in every manifest citing it, as a hand-edited pull request would."""
    before = sha256(repo, relative)
    edit(repo, relative, old, new)
    record_card_hash(repo, relative, before)


def record_card_hash(repo: Path, relative: str, before: str) -> None:
    """Every manifest that recorded the card's hash `before` records its hash now."""
    for path in repo.glob("stacks/*/models/*.yaml"):
        path.write_text(re.sub(f"cardSha256: {before}\n", f"cardSha256: {sha256(repo, relative)}\n", path.read_text()))


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
