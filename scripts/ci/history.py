"""Gives a CI checkout the git history that `--base`, `--changed-since` and deploy ordering need.

Cloud Build hands a build the commit's files with a shallow `.git`, or none at all; this fetches
the commit's whole history (and BRANCH, as origin/BRANCH) from GitHub and leaves the files as
they are. A private repository needs a token in GITHUB_TOKEN: it is sent as a header for this
fetch only, never written to disk. GITHUB_SERVER_URL overrides https://github.com.

Usage: history.py REPOSITORY COMMIT [BRANCH]
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def git(*args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def fetch(repository: str, *refspecs: str) -> None:
    """`git fetch` from the repository on GitHub, complete history, authenticated when a token is set."""
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    token = os.environ.get("GITHUB_TOKEN", "")
    env = dict(os.environ)
    if token:  # through the environment, so that no command line or error message shows it
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0=f"http.{server}/.extraheader",
            GIT_CONFIG_VALUE_0=f"AUTHORIZATION: basic {basic}",
        )
    if not (ROOT / ".git").exists():
        git("init", "-q")
    if git("remote", "get-url", "origin", check=False).returncode == 0:
        git("remote", "set-url", "origin", f"{server}/{repository}.git")
    else:
        git("remote", "add", "origin", f"{server}/{repository}.git")
    unshallow = ["--unshallow"] if git("rev-parse", "--is-shallow-repository").stdout.strip() == "true" else []
    git("fetch", "--quiet", "--no-tags", *unshallow, "origin", *refspecs, env=env)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    repository, commit, *branch = argv
    fetch(repository, commit, *(f"+refs/heads/{b}:refs/remotes/origin/{b}" for b in branch))
    git("reset", "--quiet", commit)  # HEAD and index at the built commit; the files are left untouched
    print(f"{repository}@{commit}: history fetched{f', origin/{branch[0]}' if branch else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
