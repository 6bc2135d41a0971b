"""Complete: the last step of a rollout; the version takes all traffic and the others retire."""

from __future__ import annotations

from pathlib import Path

from estaleiro.config.environment import load_environment
from estaleiro.errors import InvalidInput, Problem
from estaleiro.gate.run import base_tree
from estaleiro.rollout import manifest_edit
from estaleiro.rollout.edit import Edit, Step, check_names, existing, propose


def completion(root: Path, model: str, version: str, stack: str) -> Edit:
    """The edit that moves `model` `version` to 100 % in `stack` and retires the rest, judged by the rules."""
    check_names(model, version)
    head = load_environment(root, stack)
    current, before = existing(root, head, model, version)
    if len(current.manifest.versions) == 1:
        raise InvalidInput(
            [Problem(current.file, "versions", f"{version} is the only version; it already serves all traffic")]
        )
    document = manifest_edit.load(before)
    retired = manifest_edit.retire_all_but(document, version)
    why = f"Last step of the rollout: {version} takes all traffic in {stack}; retired: {', '.join(retired)}."
    step = Step(f"Complete {model} {version} in {stack}", version, why)
    with base_tree(root, None) as tree:
        return propose(root, tree, stack, model, (current, before), document, step)
