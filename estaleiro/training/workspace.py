"""Where a proposal is made: a branch of the local repository, or a pull request on GitHub.

Both check out the repository's `HEAD` somewhere of their own (a git worktree here, a clone in
the cloud), so the user's checkout is never touched, make the edit there with the code of
`estaleiro promote`, and commit it on `ct/<model>-<version>`. The GitHub workspace then pushes
the branch and opens the pull request.
"""

from __future__ import annotations

import base64
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from estaleiro.errors import EstaleiroError

AUTHOR = ("-c", "user.name=Estaleiro continuous training", "-c", "user.email=continuous-training@estaleiro.invalid")


@dataclass(frozen=True)
class Change:
    """The promotion as `estaleiro promote` would write it."""

    manifest: str  # repository-relative path of the edited manifest
    title: str
    body: str


class Workspace:
    """A checkout to edit and commit in; `publish` makes the branch visible to reviewers."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def promote(self, model: str, version: str, stack: str, artifact_uri: str, image: str) -> Change:
        from estaleiro.rollout.edit import write
        from estaleiro.rollout.promotion import promotion
        from estaleiro.rollout.pull_request import body, title

        edit = promotion(self.root, model, version, stack, artifact_uri=artifact_uri, image=image)
        write(self.root, edit)
        return Change(edit.file, title(edit.proposal), body(edit.proposal))

    def commit(self, branch: str, message: str, files: Sequence[str]) -> None:
        _git(self.root, "switch", "--quiet", "--create", branch)
        _git(self.root, "add", "--", *files)
        _git(self.root, *AUTHOR, "commit", "--quiet", "--message", message)

    def diff(self) -> str:
        """The proposal as a patch: the card and the manifest change."""
        return _git(self.root, "show", "--format=", "HEAD")

    def publish(self, branch: str, change: Change) -> str:
        """Where reviewers find the proposal."""
        return f"branch {branch}"

    def proposed(self, branch: str) -> str | None:
        """Where reviewers already find a proposal on `branch`, if one was made (a worktree shares its refs)."""
        found = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=self.root, capture_output=True
        )
        return f"branch {branch}" if found.returncode == 0 else None


class GithubWorkspace(Workspace):
    def __init__(self, root: Path, repository: str, token: str, api_url: str) -> None:
        super().__init__(root)
        self.repository, self.token, self.api_url = repository, token, api_url

    def publish(self, branch: str, change: Change) -> str:
        from estaleiro.github import connect, open_pull_request

        _git(self.root, "push", "--quiet", "origin", f"{branch}:refs/heads/{branch}")
        client = connect(self.token, self.api_url)
        return open_pull_request(client, self.repository, branch, change.title, change.body)

    def proposed(self, branch: str) -> str | None:
        """The open pull request from `branch`, else the branch itself if it was pushed (and its PR closed)."""
        from estaleiro.github import connect, open_pull_request_for

        if not _git(self.root, "ls-remote", "--heads", "origin", f"refs/heads/{branch}").strip():
            return None
        opened = open_pull_request_for(connect(self.token, self.api_url), self.repository, branch)
        return opened or f"branch {branch} of {self.repository}"


@contextmanager
def local_workspace(repository: Path) -> Iterator[Workspace]:
    """A worktree of `repository` at `HEAD`, removed afterwards; the branch stays in the repository."""
    with tempfile.TemporaryDirectory(prefix="estaleiro-ct-") as scratch:
        root = Path(scratch, "repo")
        _git(repository, "worktree", "add", "--quiet", "--detach", str(root), "HEAD")
        try:
            yield Workspace(root)
        finally:
            _git(repository, "worktree", "remove", "--force", str(root))


@contextmanager
def github_workspace(repository: str, token: str, clone_url: str, api_url: str) -> Iterator[Workspace]:
    """A shallow clone of the default branch; the token never lands in a file or a log line."""
    with tempfile.TemporaryDirectory(prefix="estaleiro-ct-") as scratch:
        root = Path(scratch, "repo")
        header = (
            "http.extraHeader=Authorization: Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
        )
        _git(Path(scratch), "-c", header, "clone", "--quiet", "--depth", "50", clone_url, str(root))
        _git(root, "config", *header.split("=", 1))
        yield GithubWorkspace(root, repository, token, api_url)


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shown = " ".join(a for a in args if "Authorization" not in a)
        raise EstaleiroError(f"git {shown} failed: {result.stderr.strip()}")
    return result.stdout
