"""The repository a command works on: the git root of the current directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

from estaleiro.errors import InvalidInput


def repo_root(start: Path | None = None) -> Path:
    """The git root above `start` (default: the current directory), so forks and CI behave alike."""
    here = (start or Path.cwd()).resolve()
    result = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=here, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise InvalidInput(f"{here} is not inside a git repository: run estaleiro from a clone of the repo")
    return Path(result.stdout.strip())


def inside(root: Path, relative: str) -> Path | None:
    """`root/relative` when it stays inside the repository, else None (no `..` escapes, no absolute paths)."""
    candidate = (root / relative).resolve()
    return candidate if candidate.is_relative_to(root.resolve()) else None


def display(root: Path, path: Path) -> str:
    """The repo-relative, slash-separated form every message uses."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
