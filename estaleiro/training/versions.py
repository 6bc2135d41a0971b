"""The next version number of a model: one past the highest declared anywhere in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

VERSION = re.compile(r"^v([0-9]{1,6})$")


def next_version(root: Path, model: str) -> str:
    """Every stack's manifest and every card count, so two stacks never mint the same version."""
    numbers = [0]
    for manifest in root.glob(f"stacks/*/models/{model}.yaml"):
        document = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
        numbers += [int(m.group(1)) for v in (document.get("versions") or {}) if (m := VERSION.match(str(v)))]
    numbers += [int(m.group(1)) for card in root.glob(f"model_cards/{model}/*.yaml") if (m := VERSION.match(card.stem))]
    return f"v{max(numbers) + 1}"
