"""Posts the Estaleiro comment on a GitHub pull request, or edits it: one comment per key, kept current.

Usage: post_pr_comment.py [--key KEY] REPOSITORY PR_NUMBER FILE...
Token in GITHUB_TOKEN; API at GITHUB_API_URL (default https://api.github.com). The comment is
found again by a hidden marker holding KEY, so a PR never collects a pile of stale plans, and
builds that report separately (one per stack) each keep their own comment.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any


def request(method: str, url: str, token: str, body: dict[str, str] | None = None) -> Any:
    req = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read() or b"null")


def marker(key: str | None) -> str:
    return f"<!-- estaleiro:plan:{key} -->" if key else "<!-- estaleiro:plan -->"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", help="which comment of the PR is this one (e.g. the stack)")
    parser.add_argument("repository")
    parser.add_argument("number")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    token = os.environ["GITHUB_TOKEN"]
    issue = f"{os.environ.get('GITHUB_API_URL', 'https://api.github.com').rstrip('/')}/repos/{args.repository}/issues"
    mark = marker(args.key)
    body = "\n\n".join([mark, *(f.read_text(encoding="utf-8") for f in args.files)])
    ours = None
    for page in itertools.count(1):
        comments = request("GET", f"{issue}/{args.number}/comments?per_page=100&page={page}", token)
        ours = next((c for c in comments if mark in (c.get("body") or "")), None)
        if ours is not None or len(comments) < 100:
            break
    if ours is None:
        request("POST", f"{issue}/{args.number}/comments", token, {"body": body})
    else:
        request("PATCH", f"{issue}/comments/{ours['id']}", token, {"body": body})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
