"""The command line's own promises: a version, and every command's exit codes in its --help."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from estaleiro.cli import cli, main


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


@pytest.mark.parametrize("path", list(commands(cli)), ids=lambda path: " ".join(path) or "estaleiro")
def test_every_help_lists_the_exit_codes(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    codes = [line.strip() for line in result.output.split("Exit codes:\n", 1)[1].splitlines()]
    assert codes[0].startswith("0  ") and any(line.startswith("2  bad input") for line in codes)
    assert "3  unexpected error, a bug (the message names the log file)" in codes
    assert codes == sorted(codes)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == "estaleiro, version 0.1.0\n"
