"""The guard that keeps the suite self-contained flags what it should, and nothing the suite needs."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import OUTSIDE
from tests.outside_reads import OutsideReads


def test_a_file_beside_the_repository_is_flagged(tmp_path: Path) -> None:
    root = tmp_path / "clone"
    root.mkdir()
    (tmp_path / "shared").mkdir()
    beside = tmp_path / "shared" / "expected.json"
    beside.write_text("{}")
    guard = OutsideReads(root)

    guard.hook("open", (str(beside), "r", 0))
    guard.hook("open", (str(root / "tests" / "x.py"), "r", 0))
    guard.hook("open", ("/etc/hostname", "r", 0))

    assert guard.paths == {str(beside)}


def test_the_suite_has_read_nothing_beside_the_repository_so_far() -> None:
    """The session's own guard (tests/conftest.py); pytest_sessionfinish fails the run on later reads."""
    assert not OUTSIDE.paths
