"""A manifest's committed past, newest first: where `rollback` finds what served before."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import ValidationError

from estaleiro.config.manifest import ModelManifest


def committed(root: Path, relative: str) -> Iterator[ModelManifest]:
    """Each commit's version of `relative` that still reads as a manifest, newest first.

    Texts are read by one `git cat-file --batch`; a commit that deleted the file, or a text
    that today's schema no longer accepts, is skipped: it cannot be rolled back to.
    """
    for text in _texts(root, relative):
        try:
            yield ModelManifest.model_validate(yaml.safe_load(text))
        except (yaml.YAMLError, ValidationError):
            continue


def _texts(root: Path, relative: str) -> list[str]:
    log = subprocess.run(["git", "log", "--format=%H", "--", relative], cwd=root, capture_output=True, text=True)
    commits = log.stdout.split() if log.returncode == 0 else []
    if not commits:
        return []
    request = "".join(f"{commit}:{relative}\n" for commit in commits).encode()
    out = subprocess.run(["git", "cat-file", "--batch"], input=request, cwd=root, capture_output=True).stdout
    texts = []
    while out:
        header, _, out = out.partition(b"\n")
        fields = header.split()
        if len(fields) == 3 and fields[1] == b"blob":  # "<name> missing" where a commit deleted the file
            size = int(fields[2])
            texts.append(out[:size].decode("utf-8", errors="replace"))
            out = out[size + 1 :]
    return texts
