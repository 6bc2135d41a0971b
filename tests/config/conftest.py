"""What the loader tests share: a copy of the repository's data files, and the problems a load reports."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from estaleiro.config.environment import load_environment
from estaleiro.errors import InvalidInput

REPO = Path(__file__).resolve().parents[2]
MANIFEST = "stacks/dev/models/churn.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name in ("stacks", "model_cards", "pipeline_specs"):  # what the loader reads
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def problems(root: Path, stack: str = "dev") -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_environment(root, stack)
    return [str(p) for p in caught.value.problems]


def line_of(root: Path, text: str, relative: str = MANIFEST) -> int:
    """The number of the first line of `relative` that holds `text`."""
    lines = (root / relative).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def refused_by_plan(repo: Path, cli: Callable[..., tuple[int, str, str]], out: Path) -> str:
    """`plan dev --out OUT` on bad input: exit 2, nothing printed, nothing written; returns what it said."""
    code, printed, said = cli(repo, "plan", "dev", "--out", str(out))
    assert (code, printed) == (2, "") and not out.exists()
    return said
