"""Ramp: the next step of a progressive rollout (10 -> 25 -> 50 %), each its own pull request.

The other serving versions share the rest in proportion. `complete` is the last step; a
version that does not serve yet enters, so the canary limit and the upstream rule judge it.
"""

from __future__ import annotations

from pathlib import Path

from estaleiro.config.environment import load_environment
from estaleiro.errors import InvalidInput, Problem
from estaleiro.gate.run import base_tree
from estaleiro.rollout import manifest_edit
from estaleiro.rollout.edit import Edit, Step, check_names, existing, propose
from estaleiro.rollout.split import with_share


def ramp(root: Path, model: str, version: str, stack: str, percent: int) -> Edit:
    """The edit that gives `model` `version` `percent` % of the traffic in `stack`, judged by the promotion rules."""
    check_names(model, version)
    if not 1 <= percent <= 99:
        raise InvalidInput(
            [Problem("--to", "", f"{percent} is not a percentage from 1 to 99 (all traffic is `estaleiro complete`)")]
        )
    head = load_environment(root, stack)
    current, before = existing(root, head, model, version)
    now = current.manifest.traffic.get(version, 0)
    if now == percent:
        raise InvalidInput([Problem(f"{current.file}", f"traffic.{version}", f"already {percent} %")])
    try:
        split = with_share(current.manifest.traffic, version, percent)
    except ValueError:
        message = f"{version} is the only version serving; ramp another version up beside it"
        raise InvalidInput([Problem(current.file, "traffic", message)]) from None
    document = manifest_edit.load(before)
    manifest_edit.set_traffic(document, split)
    why = f"Next step of the rollout: {version} goes from {now} % to {percent} % of traffic in {stack}."
    step = Step(f"Ramp {model} {version} in {stack}", version, why)
    with base_tree(root, None) as tree:
        return propose(root, tree, stack, model, (current, before), document, step)
