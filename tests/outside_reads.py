"""The suite reads nothing beside the repository: a fork's clone has no `../shared` or sibling folders.

An audit hook (PEP 578) sees every file the test process opens; a path in the folder that holds the
repository but outside the repository itself (and outside the interpreter's own prefix) is recorded,
and the session fails naming it. Temporary folders and installed packages live elsewhere.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


class OutsideReads:
    """Paths opened under `root.parent` but not under `root`, nor under the running interpreter's prefix."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self.allowed = (self.root, *{Path(os.path.abspath(p)) for p in (sys.prefix, sys.base_prefix)})
        self.paths: set[str] = set()

    def outside(self, path: str) -> bool:
        absolute = Path(os.path.abspath(path))
        if not absolute.is_relative_to(self.root.parent):
            return False
        return not any(absolute.is_relative_to(allowed) for allowed in self.allowed)

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and isinstance(args[0], str | bytes | os.PathLike):
            path = os.fsdecode(args[0])
            if self.outside(path):
                self.paths.add(path)
