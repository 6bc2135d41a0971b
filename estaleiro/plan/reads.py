"""Every repository file a plan reads, recorded as it reads them: what decides which stacks a change affects.

A stack is affected by a change to any file its plan opened (its stack file, its manifests through
their links, the cards they cite, the image settings and build context, the compiled pipelines, the
program's own modules) or hands to `pulumi up` as an archive or asset to upload (`functions/retrain/`).
An audit hook in the plan's worker records them, so no list of folders can fall behind what the code
reads; modules imported before the hook are taken from `sys.modules`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from estaleiro.plan.mocks import SIG_KEY

READS = "reads"  # the key of the plan worker's JSON that lists them
# Pulumi's wire signatures of a file asset and an archive (pulumi/runtime/rpc.py): `pulumi up` reads their path.
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"


class Reads:
    """The files under `root` this process opened, as repository paths: a link and the file it leads to."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.files: set[str] = set()

    def start(self) -> None:
        """Record from now on, and every module of the repository already imported."""
        self.add_modules()
        sys.addaudithook(self._hook)

    def add_modules(self) -> None:
        """The repository's imported modules (bytecode read from `__pycache__` names no source)."""
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str):
                self.add(file)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and isinstance(args[0], str | bytes | os.PathLike):
            self.add(args[0])

    def add(self, path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> None:
        given = Path(os.path.abspath(os.fsdecode(path)))
        if given.suffix == ".pyc" and given.parent.name == "__pycache__":  # a module's cached bytecode
            given = Path(importlib.util.source_from_cache(str(given)))
        for candidate in (given, given.resolve()):
            if candidate.is_relative_to(self.root) and candidate != self.root:
                self.files.add(candidate.relative_to(self.root).as_posix())

    def add_uploads(self, inputs: Mapping[str, Any]) -> None:
        """Every file of the assets and archives among a resource's inputs: `pulumi up` uploads them."""
        for path in _upload_paths(inputs):
            target = self.root / path
            if target.is_file():
                self.add(target)
            for folder, _, names in os.walk(target):
                for name in names:
                    self.add(Path(folder, name))


def _upload_paths(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) in (ASSET_SIG, ARCHIVE_SIG) and isinstance(value.get("path"), str):
            yield value["path"]
        for item in value.values():
            yield from _upload_paths(item)
    elif isinstance(value, list):
        for item in value:
            yield from _upload_paths(item)
