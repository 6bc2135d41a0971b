"""Exit 3 is for bugs only, and its log is the user's own."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from estaleiro.commands import stacks


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
