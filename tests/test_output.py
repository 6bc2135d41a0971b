"""The one writer of results: a regular file, whole or not at all, or one line and exit 2."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from estaleiro.errors import InvalidInput
from estaleiro.output import check_writable, write_atomic

Cli = Callable[..., tuple[int, str, str]]
NOT_REGULAR = "is not a regular file (a device, a pipe or a link); give the path of a file"


def fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe")
    return folder / "pipe"


def link_to_fifo(folder: Path) -> Path:
    (folder / "link").symlink_to(fifo(folder))
    return folder / "link"


def link_to_device(folder: Path) -> Path:
    (folder / "link").symlink_to("/dev/null")
    return folder / "link"


TARGETS = {"a FIFO": fifo, "a link to a FIFO": link_to_fifo, "a link to a device": link_to_device}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_target_that_is_not_a_regular_file_is_refused_and_kept(tmp_path: Path, target: str) -> None:
    """Renaming over it used to replace the node itself (a FIFO, or /dev/full when run as root) and succeed."""
    path = TARGETS[target](tmp_path)
    before, listing = os.lstat(path), sorted(tmp_path.iterdir())
    with pytest.raises(InvalidInput) as caught:
        write_atomic(path, "report\n")
    assert str(caught.value) == f"{path}: {NOT_REGULAR}"
    assert os.lstat(path) == before and sorted(tmp_path.iterdir()) == listing


@pytest.mark.parametrize("device", ["/dev/full", "/dev/null", "/proc/self/fd/1"])
def test_devices_are_refused_before_any_work(device: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_writable(Path(device))
    assert str(caught.value) == f"{device}: {NOT_REGULAR}"


@pytest.mark.parametrize("command", [("plan", "dev", "--out"), ("drift", "absent.csv", "absent.csv", "--html")])
def test_the_cli_refuses_a_pipe_before_any_work(tmp_path: Path, cli: Cli, command: tuple[str, ...]) -> None:
    """`drift --html` was checked only after the comparison; both options now fail before reading anything."""
    target = fifo(tmp_path)
    code, out, err = cli(tmp_path, *command, str(target))
    assert (code, out) == (2, "") and NOT_REGULAR in err and len(err.splitlines()) == 1, err


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text("old\n")
    write_atomic(path, "new\n")
    assert path.read_text() == "new\n" and [p.name for p in tmp_path.iterdir()] == ["report.txt"]
