"""The README is a contract: its commands exist and CI runs exactly its install and test commands."""

from __future__ import annotations

import re
from pathlib import Path

from estaleiro.cli import cli

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def fresh_machine_commands() -> list[str]:
    block = README.split("## On a fresh machine", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_ci_runs_the_readme_install_and_test_commands() -> None:
    install, tests = fresh_machine_commands()
    assert install == "scripts/install && .venv/bin/estaleiro plan dev"
    ci = (REPO / ".ci/run").read_text().splitlines()
    assert any(line.startswith(install) for line in ci)
    assert ci[-1] == tests == ".venv/bin/python -m pytest"


def test_every_command_the_readme_names_exists() -> None:
    named = set(re.findall(r"estaleiro (\w+)", README))
    known = set(cli.commands) | set(cli.commands["env"].commands)  # type: ignore[attr-defined]
    assert {"plan", "check", "promote", "complete", "env", "stacks"} <= named and "estaleiro env clone" in README
    assert named <= known, named - known


def test_every_path_the_layout_names_exists() -> None:
    layout = README.split("## Layout", 1)[1].split("```", 2)[1]
    for entry in re.findall(r"^([\w./<>-]+/?)", layout, flags=re.MULTILINE):
        for path in entry.split():
            if "<" not in path:
                assert (REPO / path).exists(), path


def test_benchmarks_the_readme_cites_exist() -> None:
    for script in re.findall(r"bench/\w+\.py", README):
        assert (REPO / script).is_file(), script
