"""Rollback: the on-call's one-command pull request that moves all traffic back.

The target is `to`, or else the version that served most (ties: the older) in the last
committed split that differs from today's, that is, before the latest change of the
manifest's traffic. Every version declared now stays declared, at 0 %, so the pull request
is one small diff; a target the manifest no longer declares comes back as history declared it.

Which rules apply: all of them, as to any edit. A target serving now is not entering, so the
canary limit and the upstream rule leave it alone whatever share it takes, and `check` sees
the same from the diff alone. A target that no longer serves enters like a promotion: where
the stack has a canary limit below 100 %, that refuses it (roll forward, or bring it back
with `promote`).
"""

from __future__ import annotations

from pathlib import Path

from estaleiro.config.environment import load_environment
from estaleiro.config.manifest import ModelManifest
from estaleiro.errors import InvalidInput, Problem, Refused
from estaleiro.gate.run import base_tree
from estaleiro.rollout import manifest_edit
from estaleiro.rollout.edit import Edit, Step, check_names, existing, propose
from estaleiro.rollout.history import committed
from estaleiro.rollout.split import by_number

REASON = "**Why:** _fill in before opening: the alert or incident, what was seen, and a link to it._"


def rollback(root: Path, model: str, stack: str, to: str | None = None) -> Edit:
    """The edit that moves all of `model`'s traffic in `stack` back, judged by the promotion rules."""
    check_names(model, to)
    head = load_environment(root, stack)
    current, before = existing(root, head, model)
    now = dict(current.manifest.traffic)
    history = list(committed(root, current.file))
    target = to or _served_most_before(history, now, current.file)
    if now.get(target, 0) == 100:
        raise Refused(f"nothing to roll back to: {target} already takes all traffic of {model} in {stack}")
    document = manifest_edit.load(before)
    if target not in current.manifest.versions:
        spec = next((m.versions[target] for m in history if target in m.versions), None)
        if spec is None:
            raise InvalidInput([Problem("--to", "", f"{target} was never declared in {current.file}")])
        manifest_edit.add_version(document, target, spec.model_dump(by_alias=True))
    manifest_edit.set_traffic(document, {target: 100})
    step = Step(f"Roll back {model} in {stack} to {target}", target, REASON)
    with base_tree(root, None) as tree:
        try:
            return propose(root, tree, stack, model, (current, before), document, step)
        except Refused as err:
            if now.get(target, 0) > 0:
                raise
            hint = (
                f"{target} does not serve in {stack} now, so moving traffic to it is an entry, judged as a promotion "
                f"is: roll forward, or bring it back with `estaleiro promote {model} {target} --to {stack}`"
            )
            raise Refused(f"{err}\n{hint}") from None


def _served_most_before(history: list[ModelManifest], now: dict[str, int], file: str) -> str:
    earlier = next((dict(m.traffic) for m in history if dict(m.traffic) != now), None)
    if earlier is None:
        raise Refused(f"nothing to roll back to: {file} has served this split in every commit")
    return max(by_number(earlier), key=lambda v: earlier[v])
