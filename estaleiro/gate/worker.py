"""Judges stacks by one repository's promotion rules, in a process of its own.

`python -m estaleiro.gate.worker RULES HEAD BASE REF STACK...`: the rules are `RULES/policies/promotion`
(the repository's own, its root first on the path); each stack is loaded from the tree `HEAD`
and compared with the same stack and its upstream in the tree `BASE` (extracted from `REF`;
`-` when there is none). Prints the findings as JSON, or an error object.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from estaleiro.config.environment import load_environment
from estaleiro.errors import InvalidInput
from estaleiro.findings import Finding
from estaleiro.gate.base import BaseTree, load_base
from estaleiro.workers import serve

NO_TREE = "-"


def judge_stacks(rules: Path, head: Path, tree: BaseTree, stacks: list[str]) -> list[Finding]:
    sys.path.insert(0, str(rules))
    try:
        from policies.promotion import evaluate
    except ModuleNotFoundError as err:
        if err.name not in ("policies", "policies.promotion"):
            raise
        raise InvalidInput(f"{rules}: no policies/promotion package: not an Estaleiro repository") from None
    findings: list[Finding] = []
    for stack in stacks:
        env = load_environment(head, stack)
        findings += evaluate(load_base(tree, env), env)
    return findings


def main(argv: list[str]) -> int:
    rules, head, base, ref, *stacks = argv
    tree = BaseTree(ref, None if base == NO_TREE else Path(base))

    def work() -> str:
        return json.dumps([asdict(f) for f in judge_stacks(Path(rules), Path(head), tree, stacks)])

    return serve(work)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
