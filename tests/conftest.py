"""Shared fixtures: a throwaway git clone of this repository's content, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from estaleiro.cli import main
from tests.outside_reads import OutsideReads

REPO = Path(__file__).resolve().parent.parent
OUTSIDE = OutsideReads(Path(__file__).parent.parent)
sys.addaudithook(OUTSIDE.hook)
# matplotlib keeps its font cache under $HOME, which may sit beside the clone (fresh-check's does):
# the suite gets a cache of its own instead of reading or writing the user's.
os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="estaleiro-tests-matplotlib-"))
CONTENT = (
    ".gitignore",
    "Pulumi.yaml",
    "__main__.py",
    "components",
    "stacks",
    "model_cards",
    "policies",
    "pipeline_specs",
    "functions",
    "estaleiro",  # the gate `check --base` runs is the base's own
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding this project's program and stacks, committed once."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in CONTENT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, root / name)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "Test")
    commit_all(root, "initial")
    return root


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `estaleiro ARGS...` in a folder; returns (exit code, stdout, stderr)."""

    def run(cwd: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any test read a file beside the repository (tests/outside_reads.py)."""
    if OUTSIDE.paths:
        print(f"\nread outside the repository: {sorted(OUTSIDE.paths)}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
