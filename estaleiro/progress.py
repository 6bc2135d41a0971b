"""Progress for the seconds a command waits (planning, checkov), on a terminal only.

Shown on standard error when it is a terminal, and cleared when done; CI logs and redirected
output get nothing. rich is imported only then, so the plain path starts no faster or slower.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner with `message` and the time elapsed; the context's value changes the message."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as shown:
        task = shown.add_task(message, total=None)
        yield lambda text: shown.update(task, description=text)
