"""`estaleiro ci history`: a checkout with no or shallow history gets all of it, files untouched."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import REPO, git


def commit(repo: Path, name: str) -> str:
    (repo / name).write_text(name)
    git(repo, "add", name)
    git(repo, "-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "-m", name)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def github(tmp_path: Path) -> tuple[str, list[str]]:
    """A 'GitHub' (file:// server) holding acme/estaleiro: main has a, b, c; the commits, oldest first."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    commits = [commit(work, name) for name in ("a", "b", "c")]
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(tmp_path / "server/acme/estaleiro.git")], check=True)
    return f"file://{tmp_path}/server", commits


def run(workspace: Path, server: str, *args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    """`estaleiro ci history ARGS` in `workspace`, with nothing of this machine's environment but PATH (and this
    checkout's code ahead of the installed one)."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "GITHUB_SERVER_URL": server, "GITHUB_TOKEN": token}
    command = [sys.executable, "-m", "estaleiro.cli", "ci", "history", *args]
    return subprocess.run(command, cwd=workspace, env=env, capture_output=True, text=True)


def test_files_without_git_get_the_whole_history(github: tuple[str, list[str]], tmp_path: Path) -> None:
    server, (a, b, c) = github
    workspace = tmp_path / "workspace"  # what Cloud Build hands over from a source archive: files only
    workspace.mkdir()
    (workspace / "a").write_text("a")
    (workspace / "b").write_text("b")
    result = run(workspace, server, "acme/estaleiro", b, "--branch", "main")
    assert result.returncode == 0, result.stderr
    assert git(workspace, "rev-parse", "HEAD", "origin/main").split() == [b, c]
    assert git(workspace, "rev-list", "HEAD").split() == [b, a]
    assert git(workspace, "status", "--porcelain") == ""  # the files as they were: those of the commit


def test_a_shallow_clone_is_deepened(github: tuple[str, list[str]], tmp_path: Path) -> None:
    server, (a, b, c) = github
    workspace = tmp_path / "workspace"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"{server}/acme/estaleiro.git", str(workspace)], check=True)
    assert git(workspace, "rev-parse", "--is-shallow-repository").strip() == "true"
    assert run(workspace, server, "acme/estaleiro", c).returncode == 0
    assert git(workspace, "rev-parse", "--is-shallow-repository").strip() == "false"
    assert git(workspace, "rev-list", "HEAD").split() == [c, b, a]


class Refusing(BaseHTTPRequestHandler):
    authorizations: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        self.authorizations.append(self.headers.get("Authorization"))
        self.send_response(404)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def http_github() -> Iterator[str]:
    Refusing.authorizations = []
    server = HTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_token_is_sent_but_never_shown_or_kept(http_github: str, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    git(workspace, "init", "-q")  # a repository the failed run leaves in place, to read its config
    result = run(workspace, http_github, "acme/private", "0" * 40, token="t0ken-s3cret")
    basic = base64.b64encode(b"x-access-token:t0ken-s3cret").decode()
    assert result.returncode == 2 and result.stderr.startswith("git fetch") and "Traceback" not in result.stderr
    assert Refusing.authorizations and set(Refusing.authorizations) == {f"basic {basic}"}
    assert "t0ken" not in result.stderr + result.stdout and basic not in result.stderr + result.stdout
    assert basic not in (workspace / ".git/config").read_text()


def test_usage(tmp_path: Path) -> None:
    result = run(tmp_path, "file:///nowhere", "acme/estaleiro")
    assert result.returncode == 2 and "Missing argument 'COMMIT'" in result.stderr


def objects(workspace: Path) -> set[str]:
    """Every object the repository holds, loose or packed, its own or quarantined anywhere under .git."""
    listed = git(workspace, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    stray = [p for p in (workspace / ".git/objects").iterdir() if p.name.startswith("incoming-")]
    return set(listed.split()) | {str(p) for p in stray}


def test_a_failure_in_a_folder_without_git_leaves_no_git_behind(github: tuple[str, list[str]], tmp_path: Path) -> None:
    """`main` is fetched (a name, not the commit's id), then cannot be checked out: the half-made repository goes."""
    server, _ = github
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "a").write_text("a")
    result = run(workspace, server, "acme/estaleiro", "main")
    assert result.returncode == 2 and result.stderr.startswith("git reset"), result.stderr
    assert sorted(p.name for p in workspace.iterdir()) == ["a"]


def test_a_failure_in_a_clone_leaves_it_as_it_was(github: tuple[str, list[str]], tmp_path: Path) -> None:
    """Objects fetched, the remote, the tracking branch and shallowness: all as before the failed run."""
    server, (a, b, c) = github
    workspace = tmp_path / "workspace"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"{server}/acme/estaleiro.git", str(workspace)], check=True)
    git(workspace, "update-ref", "-d", "refs/remotes/origin/main")
    git(tmp_path / "server/acme/estaleiro.git", "branch", "feature", b)
    before = (objects(workspace), git(workspace, "config", "--get", "remote.origin.url"))
    result = run(workspace, server, "acme/estaleiro", "feature", "--branch", "main")  # a name only the server has
    assert result.returncode == 2 and result.stderr.startswith("git reset"), result.stderr
    assert (objects(workspace), git(workspace, "config", "--get", "remote.origin.url")) == before
    assert git(workspace, "rev-parse", "--is-shallow-repository").strip() == "true"
    assert git(workspace, "for-each-ref", "refs/remotes/origin") == ""
    assert run(workspace, server, "acme/estaleiro", c, "--branch", "main").returncode == 0
    assert git(workspace, "rev-list", "HEAD").split() == [c, b, a]


def test_a_failed_fetch_restores_the_remote(github: tuple[str, list[str]], tmp_path: Path) -> None:
    server, _ = github
    workspace = tmp_path / "workspace"
    subprocess.run(["git", "clone", "-q", f"{server}/acme/estaleiro.git", str(workspace)], check=True)
    url = git(workspace, "config", "--get", "remote.origin.url")
    assert run(workspace, server, "acme/elsewhere", "0" * 40).returncode == 2
    assert git(workspace, "config", "--get", "remote.origin.url") == url
