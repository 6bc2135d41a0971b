"""Posts (or updates) the Estaleiro comment on a GitHub pull request: one comment, edited on each push.

Usage: post_pr_comment.py REPOSITORY PR_NUMBER FILE...   (token in GITHUB_TOKEN; API in GITHUB_API_URL)
The comment is found again by a hidden marker, so a PR never collects a pile of stale plans.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

MARKER = "<!-- estaleiro:plan -->"


def request(method: str, url: str, token: str, body: dict[str, str] | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read() or b"null")


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    repository, number, files = argv[0], argv[1], argv[2:]
    token = os.environ["GITHUB_TOKEN"]
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    body = "\n\n".join([MARKER, *(Path(f).read_text(encoding="utf-8") for f in files)])
    comments = request("GET", f"{api}/repos/{repository}/issues/{number}/comments?per_page=100", token)
    ours = [c for c in comments if isinstance(c, dict) and MARKER in c.get("body", "")]  # type: ignore[union-attr]
    if ours:
        request("PATCH", f"{api}/repos/{repository}/issues/comments/{ours[0]['id']}", token, {"body": body})
    else:
        request("POST", f"{api}/repos/{repository}/issues/{number}/comments", token, {"body": body})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
