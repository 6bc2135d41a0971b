"""`estaleiro ci comment REPOSITORY NUMBER FILE... [--key KEY]`: the pull request's Estaleiro comment.

One comment per key, edited on each push, found again by a hidden marker holding the key, so a
pull request never collects a pile of stale plans, and builds that report separately (Cloud Build
reports per stack) each keep their own comment.
"""

from __future__ import annotations

from pathlib import Path

import click

from estaleiro.github import connect, upsert_comment


def marker(key: str | None) -> str:
    return f"<!-- estaleiro:plan:{key} -->" if key else "<!-- estaleiro:plan -->"


def comment(repository: str, number: int, files: list[Path], key: str | None) -> int:
    mark = marker(key)
    body = "\n\n".join([mark, *(f.read_text(encoding="utf-8") for f in files)])
    done = upsert_comment(connect(), repository, number, mark, body)
    click.echo(f"{repository}#{number}: comment {done}")
    return 0
