"""`estaleiro ci history REPOSITORY COMMIT [--branch B]`: the git history a CI checkout lacks.

Cloud Build hands a build the commit's files with a shallow `.git`, or none at all; `--base`,
`--changed-since` and deploy ordering need the history. This fetches the commit's whole history
(and BRANCH, as origin/BRANCH) from GitHub and leaves the files as they are. A private repository
needs a token in GITHUB_TOKEN: it goes to git through the environment, as a header for this fetch
only, never on a command line, in an error or on disk. GITHUB_SERVER_URL overrides https://github.com.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import click

from estaleiro import git

SERVER_URL = "https://github.com"


def fetch(root: Path, repository: str, *refspecs: str) -> None:
    """`git fetch` from the repository on GitHub, complete history, authenticated when a token is set."""
    server = os.environ.get("GITHUB_SERVER_URL", SERVER_URL).rstrip("/")
    token = os.environ.get("GITHUB_TOKEN", "")
    env = dict(os.environ)
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
    fetch(root, repository, commit, *([branch_refspec(branch)] if branch else []))
    git.run(root, "reset", "--quiet", commit)  # HEAD and index at the built commit; the files are left untouched
    click.echo(f"{repository}@{commit}: history fetched{f', origin/{branch}' if branch else ''}")
    return 0
