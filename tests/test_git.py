"""The one git wrapper: what it returns, and failures that name the command and git's own words."""

from __future__ import annotations

from pathlib import Path

import pytest

from estaleiro import git
from estaleiro.errors import EstaleiroError, InvalidInput
from tests.conftest import commit_all


def test_a_failure_names_the_command_and_its_stderr(repo: Path) -> None:
    with pytest.raises(EstaleiroError) as caught:
        git.run(repo, "show", "no-such-ref:README")
    assert isinstance(caught.value, git.GitFailed) and caught.value.exit_code == 2
    assert str(caught.value).startswith("git show no-such-ref:README: fatal: invalid object name 'no-such-ref'")


def test_unknown_refs_are_reported_at_the_option_that_gave_them(repo: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        git.commit(repo, "--output=/tmp/x", "--base")
    assert str(caught.value) == "--base: '--output=/tmp/x' is not a commit, branch or tag of this repository"
    assert git.commit(repo, "HEAD", "--base") == git.run(repo, "rev-parse", "HEAD").strip()


def test_toplevel_outside_a_repository(tmp_path: Path, repo: Path) -> None:
    assert git.toplevel(repo / "stacks") == repo
    assert git.toplevel(tmp_path) is None


def test_changed_files_include_uncommitted_and_untracked(repo: Path) -> None:
    (repo / "stacks/dev/Pulumi.dev.yaml").write_text("changed\n")
    (repo / "new.txt").write_text("new\n")
    assert git.changed_files(repo, "HEAD", "--base") == {"stacks/dev/Pulumi.dev.yaml", "new.txt"}


def test_export_extracts_the_ref_without_touching_the_checkout(repo: Path, tmp_path: Path) -> None:
    (repo / "Pulumi.yaml").write_text("edited\n")
    tree = git.export(repo, "HEAD", "--base", tmp_path)
    assert (tree / "Pulumi.yaml").read_text() != "edited\n"
    assert (repo / "Pulumi.yaml").read_text() == "edited\n"


def test_history_of_a_file_newest_first_skipping_deletions(repo: Path) -> None:
    path = repo / "notes.txt"
    path.write_text("one\n")
    first = commit_all(repo, "one")
    path.write_text("two\n")
    second = commit_all(repo, "two")
    path.unlink()
    commit_all(repo, "gone")
    assert git.history(repo, "notes.txt") == [(second, b"two\n"), (first, b"one\n")]
    assert git.history(repo, "never.txt") == []


def test_export_refuses_a_committed_symlink_out_of_the_repository(repo: Path, tmp_path: Path) -> None:
    (repo / "stacks/dev/models/churn.yaml").unlink()
    (repo / "stacks/dev/models/churn.yaml").symlink_to("/etc/hostname")
    commit_all(repo, "link out")
    with pytest.raises(InvalidInput) as caught:
        git.export(repo, "HEAD", "--base", tmp_path)
    assert str(caught.value) == (
        "stacks/dev/models/churn.yaml: at HEAD: 'stacks/dev/models/churn.yaml' is a link to an absolute path"
    )
