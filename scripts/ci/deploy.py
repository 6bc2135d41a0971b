"""Deploys one stack with `pulumi up`: after its upstream stack, one update at a time, never backwards.

Usage: deploy.py STACK --base REF [--repository OWNER/NAME --branch BRANCH] [--timeout S] [--interval S]

- Upstream first: a stack promoted from another (`estaleiro:promotion.from: dev`) waits, when the
  change since REF touched that stack, until it runs this commit or a newer one; it stops at once
  if the upstream deployment of this commit failed.
- Never backwards: a stack that already runs a newer commit is left alone (two merges whose
  builds finish out of order). With --repository/--branch, the branch is fetched before each
  look, so a commit merged after this build started is known.
- One at a time: the state backend's lock serialises updates; a locked stack is waited for.

Needs `pulumi login <state backend>` done. Pulumi records the git commit of every update
(`git.head` in `pulumi stack history`), which is what the checks above read.
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

from history import fetch, git  # noqa: E402  (scripts/ci/history.py, beside this script)

from estaleiro.config.environment import load_stack_config  # noqa: E402
from estaleiro.stacks import changed_stacks  # noqa: E402

LOCKED = "is currently locked"
Update = dict[str, object]


def stack_history(stack: str) -> list[Update]:
    """Updates of the stack, newest first, as `pulumi stack history --json` prints them."""
    out = subprocess.run(
        ["pulumi", "stack", "history", "--stack", stack, "--json"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [u for u in json.loads(out or "[]") if u.get("kind") == "update"]


def commit_of(update: Update) -> str | None:
    environment = update.get("environment")
    return str(environment.get("git.head")) if isinstance(environment, dict) and "git.head" in environment else None


def running(history: list[Update]) -> str | None:
    """The commit of the newest successful update: what the stack runs."""
    return next((commit_of(u) for u in history if u.get("result") == "succeeded"), None)


def failed(history: list[Update], commit: str) -> bool:
    """Whether the newest update of `commit` failed."""
    return next((u.get("result") == "failed" for u in history if commit_of(u) == commit), False)


def includes(newer: str, older: str) -> bool:
    """`older` is `newer` or one of its ancestors (False when git does not know `newer`)."""
    return git("merge-base", "--is-ancestor", older, newer, check=False).returncode == 0


def up(stack: str) -> tuple[int, str]:
    """`pulumi up`, its output shown as it comes and returned."""
    config = f"stacks/{stack}/Pulumi.{stack}.yaml"
    command = ["pulumi", "up", "--yes", "--non-interactive", "--stack", stack, "--config-file", config]
    lines: list[str] = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    return process.returncode, "".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack")
    parser.add_argument(
        "--base", required=True, help="what the merge is compared with: its parent, or the push's before"
    )
    parser.add_argument("--repository", help="owner/name on GitHub, to fetch --branch from")
    parser.add_argument("--branch", help="the deployed branch, fetched before each look at the stack")
    parser.add_argument("--timeout", type=float, default=2700)
    parser.add_argument("--interval", type=float, default=30)
    args = parser.parse_args(argv)
    commit = git("rev-parse", "HEAD").stdout.strip()
    deadline = time.monotonic() + args.timeout

    def refresh() -> None:
        if args.repository and args.branch:
            fetch(args.repository, f"+refs/heads/{args.branch}:refs/remotes/origin/{args.branch}")

    def wait(reason: str) -> bool:
        if time.monotonic() + args.interval > deadline:
            print(f"{args.stack}: gave up after {args.timeout:.0f} s: {reason}", file=sys.stderr)
            return False
        print(f"{args.stack}: {reason}; next look in {args.interval:.0f} s", flush=True)
        time.sleep(args.interval)
        return True

    upstream = load_stack_config(ROOT, args.stack).promotion.from_stack
    if upstream is not None and upstream in changed_stacks(ROOT, args.base):
        while True:
            refresh()
            history = stack_history(upstream)
            deployed = running(history)
            if deployed is not None and includes(deployed, commit):
                print(f"{args.stack}: {upstream} runs {deployed}, which includes {commit}")
                break
            if failed(history, commit):
                print(f"{args.stack}: {upstream} failed to deploy {commit}; not deploying", file=sys.stderr)
                return 1
            if not wait(f"waiting for {upstream} to deploy {commit}"):
                return 1
    while True:
        refresh()
        deployed = running(stack_history(args.stack))
        if deployed is not None and deployed != commit and includes(deployed, commit):
            print(f"{args.stack}: already runs {deployed}, newer than {commit}; nothing to do")
            return 0
        code, output = up(args.stack)
        if code == 0 or LOCKED not in output:
            return code
        if not wait("another update holds the stack's lock"):
            return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
