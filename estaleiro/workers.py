"""Worker processes that run one repository's own code (`plan`'s program, `check`'s promotion rules).

The repository's root goes first on the worker's path, so it imports that repository's
`components/`, `policies/` and `estaleiro/`; a module, once imported, stays for the life of a
process, which is why two repositories never share one. A worker prints JSON: its result, or
an error object that `finish` raises again here exactly as the worker reported it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from estaleiro.errors import EstaleiroError, InvalidInput, Problem


def start(module: str, root: Path, *args: str) -> subprocess.Popen[str]:
    """`python -m module args...` in `root`, with `root` first on its path."""
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    # The repository's code is imported, never compiled into it: a command leaves no __pycache__ behind.
    env = {**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(worker: subprocess.Popen[str], doing: str) -> Any:
    """The worker's JSON result; its reported error raised as the same kind (bad input stays exit 2)."""
    out, err = worker.communicate()
    if worker.returncode == 0:
        return json.loads(out)
    try:
        error = json.loads(out)["error"]
    except (ValueError, KeyError, TypeError):
        raise EstaleiroError(f"{doing} failed:\n{err.strip()}") from None
    if error["problems"]:
        raise InvalidInput([Problem(**p) for p in error["problems"]])
    raise EstaleiroError(f"{doing} failed: {error['message']}")


def serve(work: Callable[[], str]) -> int:
    """The worker's side: print what `work` returns (JSON text), or the expected failure it raised."""
    try:
        sys.stdout.write(work())
        return 0
    except EstaleiroError as err:
        problems = [asdict(p) for p in err.problems] if isinstance(err, InvalidInput) else []
        json.dump({"error": {"message": str(err), "problems": problems}}, sys.stdout)
        return err.exit_code
