"""Worker processes that run one repository's own code (`plan`'s program, `check`'s promotion rules).

The repository's root goes first on the worker's path, so it imports that repository's
`components/`, `policies/` and `estaleiro/` (for `check --base`, the base's tree, and nothing
of the pull request's); a module, once imported, stays for the life of a
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

# Run by `python -I -B -c`: the path is set here, after `site` ran, so nothing in `code` runs by itself
# (a `sitecustomize.py` there is never imported), and the editable install's finder, which maps
# `estaleiro` to the checkout it was installed from, is removed so every module comes from the path.
_BOOT = """
import runpy, sys
path, module = sys.argv[1], sys.argv[2]
sys.path[:0] = path.split(__import__("os").pathsep)
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.argv[:] = sys.argv[2:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def start(module: str, code: Path, *args: str, inherit_path: bool = True) -> subprocess.Popen[str]:
    """`python -m module args...` in `code`, first on its path, isolated (`-I`: no PYTHONPATH, user site or cwd).

    With `inherit_path`, this process's PYTHONPATH follows `code` (a working tree's own code);
    without it, `code` and the installed packages are all it imports (the gate of `check --base`).
    """
    extra = os.environ.get("PYTHONPATH", "") if inherit_path else ""
    path = os.pathsep.join(filter(None, [str(code), *extra.split(os.pathsep)]))
    # -B: the repository's code is imported, never compiled into it: a command leaves no __pycache__ behind.
    return subprocess.Popen(
        [sys.executable, "-I", "-B", "-c", _BOOT, path, module, *args],
        cwd=code,
        stdin=subprocess.PIPE,  # `finish` sends the worker's request, if any, and closes it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(worker: subprocess.Popen[str], doing: str, request: Any = None) -> Any:
    """The worker's JSON result (`request` sent to it first); its error raised as the same kind (bad input: exit 2)."""
    out, err = worker.communicate(None if request is None else json.dumps(request))
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
