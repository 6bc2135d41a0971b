"""Waits until the upstream stack (dev, for prod) has deployed this commit: dev before prod.

Usage: wait_for_upstream.py STACK COMMIT [--timeout SECONDS]
Exit 0 when the upstream update for COMMIT succeeded (or the stack has no upstream, or the
merge did not change the upstream), 1 when it failed or did not happen in time.
Reads `pulumi stack history --json`, where Pulumi records each update's git commit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from estaleiro.config.environment import load_stack_config  # noqa: E402
from estaleiro.stacks import changed_stacks  # noqa: E402


def verdict(history: list[dict[str, object]], commit: str) -> str | None:
    """'succeeded' / 'failed' for the newest update of `commit`, None while there is none."""
    for update in history:  # newest first, as pulumi prints it
        environment = update.get("environment") or {}
        if isinstance(environment, dict) and environment.get("git.head") == commit and update.get("kind") == "update":
            return "succeeded" if update.get("result") == "succeeded" else "failed"
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack")
    parser.add_argument("commit")
    parser.add_argument("--timeout", type=float, default=2700)
    parser.add_argument("--interval", type=float, default=30)
    args = parser.parse_args(argv)
    upstream = load_stack_config(ROOT, args.stack).promotion.from_stack
    if upstream is None or upstream not in changed_stacks(ROOT, f"{args.commit}~1"):
        print(f"{args.stack}: no upstream deployment to wait for")
        return 0
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["pulumi", "stack", "history", "--stack", upstream, "--json"], capture_output=True, text=True, check=True
        ).stdout
        result = verdict(json.loads(out or "[]"), args.commit)
        if result is not None:
            print(f"{upstream} deployment of {args.commit}: {result}")
            return 0 if result == "succeeded" else 1
        time.sleep(args.interval)
    print(f"{upstream} did not deploy {args.commit} within {args.timeout:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
