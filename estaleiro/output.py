"""Writing results: whole files or nothing, never half-written, with the permissions the user's umask gives."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from estaleiro.errors import InvalidInput, Problem

NOT_REGULAR = "is not a regular file (a device, a pipe or a link); give the path of a file"


def umask() -> int:
    """The process umask (reading it means setting it; it is put back at once)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def check_writable(path: Path) -> None:
    """Refuse, before any work, an output that could not be written (missing folder, no permission).

    Only a regular file is replaced: renaming over a device, a pipe or a link would replace the node itself
    (`/dev/full`, when run as root) and report success.
    """
    if path.is_symlink() or (path.exists() and not path.is_file() and not path.is_dir()):
        raise InvalidInput([Problem(str(path), "", NOT_REGULAR)])
    if not path.parent.is_dir():
        raise InvalidInput([Problem(str(path), "", f"folder {path.parent} does not exist")])
    if path.is_dir():
        raise InvalidInput([Problem(str(path), "", "is a folder; give a file name")])
    try:
        with tempfile.TemporaryFile(dir=path.parent):
            pass  # Linux makes it nameless (O_TMPFILE): nothing appears, even for a moment
    except OSError as err:
        raise InvalidInput([Problem(str(path), "", f"cannot write in {path.parent}: {err.strerror}")]) from err


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename over it in one step.

    The file keeps the mode of the one it replaces, or gets what the umask allows (mkstemp's 0600 would hide
    a report or a manifest from the rest of the team).
    """
    check_writable(path)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~umask()
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise InvalidInput([Problem(str(path), "", f"cannot write: {err.strerror}")]) from err
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException as err:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(err, OSError):  # a full disk, a folder made read-only meanwhile
            raise InvalidInput([Problem(str(path), "", f"cannot write: {err.strerror}")]) from err
        raise


def emit(text: str, out: Path | None) -> None:
    """A report goes to `--out` when given, else to standard output."""
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text)
