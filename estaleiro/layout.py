"""Where everything lives in an Estaleiro repository: the only module that spells its paths.

Paths are repository-relative POSIX strings, the form messages, git and path filters use;
`root / path` reads one. A fork that moves a folder changes it here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

from estaleiro import git
from estaleiro.errors import InvalidInput, Problem

PROJECT = "Pulumi.yaml"
PROGRAM = "__main__.py"
STACKS = "stacks"
MODELS = "models"  # inside a stack's folder
MODEL_CARDS = "model_cards"
COMPILED_PIPELINES = "pipeline_specs/compiled"  # what `estaleiro pipeline compile` writes, schedules publish
MARKERS = (PROJECT, PROGRAM, f"{STACKS}/")  # what makes a git repository an Estaleiro repository


def stack_folder(stack: str) -> str:
    return f"{STACKS}/{stack}"


def stack_file_name(stack: str) -> str:
    """Pulumi's own name for a stack's config file (`pulumi up --config-file`)."""
    return f"Pulumi.{stack}.yaml"


def stack_file(stack: str) -> str:
    return f"{stack_folder(stack)}/{stack_file_name(stack)}"


def models_folder(stack: str) -> str:
    return f"{stack_folder(stack)}/{MODELS}"


def manifest_file(stack: str, model: str) -> str:
    return f"{models_folder(stack)}/{model}.yaml"


def card_folder(model: str) -> str:
    return f"{MODEL_CARDS}/{model}"


def card_file(model: str, version: str) -> str:
    return f"{card_folder(model)}/{version}.yaml"


def stack_names(root: Path) -> list[str]:
    """The stacks of `root`: folders of `stacks/` holding their stack file."""
    folder = root / STACKS
    return sorted(p.name for p in folder.iterdir() if (root / stack_file(p.name)).is_file()) if folder.is_dir() else []


def stack_of(path: str) -> str | None:
    """The stack a repository file belongs to (`stacks/<stack>/...`), if any."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == STACKS else None


def model_of_card(path: str) -> str | None:
    """The model a repository file is a card of (`model_cards/<model>/<version>.yaml`), if any."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == MODEL_CARDS else None


def inside(root: Path, relative: str | Path) -> Path | None:
    """`root/relative` when it stays inside the repository once resolved (no `..`, no symlink out), else None."""
    candidate = (root / relative).resolve()
    return candidate if candidate.is_relative_to(root.resolve()) else None


def display(root: Path, path: Path) -> str:
    """The repo-relative, slash-separated form every message uses."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def repo_root(start: Path | None = None) -> Path:
    """The Estaleiro repository around `start` (default: the current directory): its git root, checked."""
    here = (start or Path.cwd()).resolve()
    root = git.toplevel(here)
    if root is None:
        raise InvalidInput(f"{here} is not inside a git repository: run estaleiro from a clone of the repo")
    missing = [marker for marker in MARKERS if not (root / marker).exists()]
    if missing:
        message = f"not an Estaleiro repository: no {', no '.join(missing)}; run estaleiro in a fork of Estaleiro"
        raise InvalidInput([Problem(str(root), "", message)])
    return root
