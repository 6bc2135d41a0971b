"""Judges stacks by one repository's promotion rules, in a process of its own.

`python -m estaleiro.gate.worker RULES HEAD BASE REF STACK...`: the rules are `RULES/policies/promotion`
(the repository's own, its root first on the path); each stack is loaded from the tree `HEAD`
and compared with the same stack and its upstream in the tree `BASE` (extracted from `REF`;
`-` when there is none). For `check --base`, RULES is BASE and this module itself comes from it
(`estaleiro.workers.start` without the caller's path): the head is data, read by the base's loader.
A JSON request on standard input: `"history": {"repository": ..., "commit": ...}` is where the rules
read the stacks' past (git, from the base commit; absent when the repository has no commit), and
`"changed": [file, ...]` asks for the governance rule too (`policies/governance.py`) over the files
the change touches. Prints the findings as JSON, or an error object.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from estaleiro.config.environment import Environment, load_environment
from estaleiro.errors import InvalidInput
from estaleiro.findings import Finding
from estaleiro.gate.base import Base, BaseTree, load_base
from estaleiro.gate.codeowners import CODEOWNERS
from estaleiro.workers import serve

NO_TREE = "-"


def judge_stacks(
    rules: Path, head: Path, tree: BaseTree, stacks: list[str], changed: list[str] | None
) -> list[Finding]:
    sys.path.insert(0, str(rules))
    try:
        from policies.promotion import evaluate
    except ModuleNotFoundError as err:
        if err.name not in ("policies", "policies.promotion"):
            raise
        raise InvalidInput(f"{rules}: no policies/promotion package: not an Estaleiro repository") from None
    findings: list[Finding] = []
    judged: list[tuple[Base, Environment]] = []
    for stack in stacks:
        env = load_environment(head, stack)
        base = load_base(tree, env)
        findings += evaluate(base, env)
        judged.append((base, env))
    if changed is not None:
        from policies.governance import Change, governance

        owners = tree.path / CODEOWNERS if tree.path else None
        codeowners = owners.read_text(encoding="utf-8") if owners and owners.is_file() else None
        findings += governance(Change(tree.ref, changed, judged, codeowners))
    return findings


def main(argv: list[str]) -> int:
    rules, head, base, ref, *stacks = argv

    def work() -> str:
        request = json.loads(sys.stdin.read() or "{}")
        history = request.get("history") or {}
        repository = Path(history["repository"]) if history else None
        tree = BaseTree(
            ref, None if base == NO_TREE else Path(base), repository=repository, commit=history.get("commit")
        )
        changed = request.get("changed")
        return json.dumps([asdict(f) for f in judge_stacks(Path(rules), Path(head), tree, stacks, changed)])

    return serve(work)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
