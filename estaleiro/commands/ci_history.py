"""`estaleiro ci history REPOSITORY COMMIT [--branch B]`: the git history a CI checkout lacks.

Cloud Build hands a build the commit's files with a shallow `.git`, or none at all; `--base`,
`--changed-since` and deploy ordering need the history. This fetches the commit's whole history
(and BRANCH, as origin/BRANCH) from GitHub and leaves the files as they are. A private repository
needs a token in GITHUB_TOKEN: it goes to git through the environment, as a header for this fetch
only, never on a command line, in an error or on disk. GITHUB_SERVER_URL overrides https://github.com.

A run that fails leaves the checkout as it found it: a `.git` it made is removed; in an existing
repository the fetched objects never reach the object store (they are fetched into a quarantine,
as git's own receive-pack does), and the remote, the fetched branch and the shallow boundary are
put back.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from estaleiro import git

SERVER_URL = "https://github.com"


def fetch(root: Path, repository: str, *refspecs: str, objects: Mapping[str, str] | None = None) -> None:
    """`git fetch` from the repository on GitHub, complete history, authenticated when a token is set.

    `objects` (git's object-directory variables) sends what is fetched elsewhere, e.g. to a quarantine.
    """
    server = os.environ.get("GITHUB_SERVER_URL", SERVER_URL).rstrip("/")
    token = os.environ.get("GITHUB_TOKEN", "")
    env = {**os.environ, **(objects or {})}
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0=f"http.{server}/.extraheader",
            GIT_CONFIG_VALUE_0=f"AUTHORIZATION: basic {basic}",
        )
    if not (root / ".git").exists():
        git.run(root, "init", "-q")
    url = f"{server}/{repository}.git"
    has_origin = git.succeeds(root, "remote", "get-url", "origin")
    git.run(root, "remote", "set-url" if has_origin else "add", "origin", url)
    shallow = git.run(root, "rev-parse", "--is-shallow-repository").strip() == "true"
    git.run(root, "fetch", "--quiet", "--no-tags", *(["--unshallow"] if shallow else []), "origin", *refspecs, env=env)


def branch_refspec(branch: str) -> str:
    return f"+refs/heads/{branch}:refs/remotes/origin/{branch}"


def history(root: Path, repository: str, commit: str, branch: str | None) -> int:
    refspecs = (commit, *([branch_refspec(branch)] if branch else []))
    if not (root / ".git").exists():
        try:
            fetch(root, repository, *refspecs)
            git.run(root, "reset", "--quiet", commit)  # HEAD and index at the built commit; files untouched
        except BaseException:
            shutil.rmtree(root / ".git", ignore_errors=True)
            raise
    else:
        with _quarantine(root, branch) as objects:
            fetch(root, repository, *refspecs, objects=objects)
            git.run(root, "reset", "--quiet", commit, env={**os.environ, **objects})
    click.echo(f"{repository}@{commit}: history fetched{f', origin/{branch}' if branch else ''}")
    return 0


@contextmanager
def _quarantine(root: Path, branch: str | None) -> Iterator[dict[str, str]]:
    """Git's object-directory variables for a quarantine beside the object store, whose objects join the store
    only when the block succeeds; on failure what the fetch changed is put back. Git quarantines what a push
    brings the same way: https://git-scm.com/docs/git-receive-pack#_quarantine_environment, with the
    variables of https://git-scm.com/docs/git#_the_git_repository (GIT_OBJECT_DIRECTORY,
    GIT_ALTERNATE_OBJECT_DIRECTORIES).
    """
    store = _git_path(root, "objects").resolve()
    saved = _Saved.of(root, f"refs/remotes/origin/{branch}" if branch else None)
    incoming = Path(tempfile.mkdtemp(prefix="incoming-", dir=store))
    try:
        yield {"GIT_OBJECT_DIRECTORY": str(incoming), "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(store)}
    except BaseException:
        saved.put_back(root)
        raise
    else:
        _migrate(incoming, store)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


@dataclass(frozen=True)
class _Saved:
    """What a fetch changes besides objects: the remote's URL, the fetched branch, the shallow list, FETCH_HEAD."""

    url: str | None
    tracking: str | None
    tip: str | None
    files: Mapping[str, bytes | None]  # shallow and FETCH_HEAD, None when absent

    @classmethod
    def of(cls, root: Path, tracking: str | None) -> _Saved:
        url = git.run(root, "remote", "get-url", "origin").strip() if _has_origin(root) else None
        tip = git.run(root, "rev-parse", "--verify", tracking).strip() if tracking and _has(root, tracking) else None
        files = {name: _read(_git_path(root, name)) for name in ("shallow", "FETCH_HEAD")}
        return cls(url, tracking, tip, files)

    def put_back(self, root: Path) -> None:
        if self.url is not None:
            git.run(root, "remote", "set-url", "origin", self.url)
        elif _has_origin(root):
            git.run(root, "remote", "remove", "origin")
        if self.tracking and self.tip:
            git.run(root, "update-ref", self.tracking, self.tip)
        elif self.tracking and _has(root, self.tracking):
            git.run(root, "update-ref", "-d", self.tracking)
        for name, content in self.files.items():
            path = _git_path(root, name)
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)


def _git_path(root: Path, name: str) -> Path:
    return Path(root, git.run(root, "rev-parse", "--git-path", name).strip())


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def _has_origin(root: Path) -> bool:
    return git.succeeds(root, "remote", "get-url", "origin")


def _has(root: Path, ref: str) -> bool:
    return git.succeeds(root, "rev-parse", "--verify", "--quiet", ref)


def _migrate(incoming: Path, store: Path) -> None:
    """Loose objects, then packs with each index after its pack (an index names a pack that is there)."""
    files = sorted((p for p in incoming.rglob("*") if p.is_file()), key=lambda p: (p.suffix == ".idx", str(p)))
    for path in files:
        target = store / path.relative_to(incoming)
        target.parent.mkdir(exist_ok=True)
        if not target.exists():
            os.replace(path, target)
