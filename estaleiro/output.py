"""Writing results: whole files or nothing, never half-written."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from estaleiro.errors import InvalidInput, Problem


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename over it in one step."""
    if not path.parent.is_dir():
        raise InvalidInput([Problem(str(path), "", f"folder {path.parent} does not exist")])
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def emit(text: str, out: Path | None) -> None:
    """A report goes to `--out` when given, else to standard output."""
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text)
