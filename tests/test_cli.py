"""The command line's own promises: a version, every command's exit codes in its --help, and exit 3
for bugs only, with a log that is the user's own."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from estaleiro.cli import cli, main
from estaleiro.commands import stacks


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


def a_bug(*_args: object) -> int:
    raise RuntimeError("a genuine bug")


def test_a_bug_is_exit_3_with_a_per_user_log(repo: Path, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(stacks, "stacks", a_bug)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    log = tmp_path / "state" / "estaleiro" / "crash.log"
    assert cli(repo, "stacks") == (3, "", f"estaleiro: unexpected error (a bug); details in {log}\n")
    assert "RuntimeError: a genuine bug" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) & 0o002 == 0


def test_without_a_writable_state_folder_the_details_go_to_the_screen(
    repo: Path, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(stacks, "stacks", a_bug)
    (tmp_path / "state").write_text("a file, not a folder")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code, out, err = cli(repo, "stacks")
    assert (code, out) == (3, "")
    assert err.startswith("estaleiro: unexpected error (a bug); details:\nTraceback")
    assert err.endswith("RuntimeError: a genuine bug\n\n")


def test_the_log_lives_under_the_home_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from estaleiro.cli import crash_log

    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert crash_log() == tmp_path / ".local" / "state" / "estaleiro" / "crash.log"
