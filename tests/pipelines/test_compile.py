"""`estaleiro pipeline compile` on a broken repository: one line, exit 2, no spec written.

Run in a process of its own: the pipelines are imported from the repository, and this test
session has imported the project's own already.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

COMPILED = "pipeline_specs/compiled"


def compile_in(repo: Path) -> subprocess.CompletedProcess[str]:
    shutil.copytree(REPO / "images", repo / "images", dirs_exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "estaleiro.cli", "pipeline", "compile"]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def test_compiled_folder_that_is_a_file(repo: Path) -> None:
    shutil.rmtree(repo / COMPILED)
    (repo / COMPILED).write_text("not a folder\n")
    result = compile_in(repo)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr == f"{COMPILED}: is a file; the compiled specs go in this folder: remove or move it\n"
    assert (repo / COMPILED).read_text() == "not a folder\n"


def test_a_step_with_a_syntax_error(repo: Path) -> None:
    step = repo / "pipeline_specs/steps/train.py"
    step.write_text(step.read_text() + "\ndef broken(:\n")
    before = {path.name: path.read_bytes() for path in (repo / COMPILED).iterdir()}
    result = compile_in(repo)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    lines = len(step.read_text().splitlines())
    assert result.stderr == f"pipeline_specs/steps/train.py:{lines}: syntax error: invalid syntax\n"
    assert {path.name: path.read_bytes() for path in (repo / COMPILED).iterdir()} == before
