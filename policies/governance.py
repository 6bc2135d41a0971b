"""Governance changes are reviewed apart from serving changes.

Governance is whatever decides what may merge: the rules and the gate's code, the waivers, CI
files (`GOVERNANCE_PATHS`), and inside the data the thresholds, canary limits and owners of a
manifest, a stack's project, promotion block, allowed buckets, CI repository and team, and the model
image's registry. Serving is what a manifest serves: its versions, traffic and serving spec.
A pull request changing both at once is refused: a rule loosened in the same change that
needs it would be judged by itself. A governance-only change passes with a notice naming who
must review it (the base's CODEOWNERS, which is what GitHub enforces).

`check --base` runs this from the base's tree, so the rules judging a change to the rules are
the ones in force before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from estaleiro.config.environment import Environment, Model
from estaleiro.findings import Finding
from estaleiro.gate.base import Base
from estaleiro.gate.codeowners import CODEOWNERS, GOVERNANCE_PATHS, owners_of

MANIFEST_GOVERNANCE = {"thresholds": "thresholds", "canary_limit_percent": "canaryLimitPercent", "owners": "owners"}
MANIFEST_SERVING = {"versions": "versions", "traffic": "traffic", "serving": "serving"}
STACK_GOVERNANCE = {
    "project": "gcp:project",  # where the stack deploys: moved, a promotion lands in a project nobody reviewed
    "promotion": "estaleiro:promotion",
    "allowed_artifact_buckets": "estaleiro:allowedArtifactBuckets",
    "ci_repository": "estaleiro:ciRepository",
    "team": "estaleiro:team",
}


@dataclass(frozen=True)
class Change:
    """What a pull request changes: its files (against the base), and each judged stack before and after."""

    ref: str  # the base ref, as the user named it
    files: Sequence[str]
    stacks: Sequence[tuple[Base, Environment]]
    codeowners: str | None  # the base's CODEOWNERS, None when it has none


@dataclass(frozen=True)
class _Edit:
    file: str
    what: str  # "thresholds in stacks/prod/models/churn.yaml"


def governance(change: Change) -> list[Finding]:
    rules = [_Edit(f, f) for f in sorted(change.files) if f.startswith(GOVERNANCE_PATHS)]
    serving: list[_Edit] = []
    for base, head in change.stacks:
        stack_rules, stack_serving = _stack_edits(base, head)
        rules += stack_rules
        serving += stack_serving
    if not rules:
        return []
    named = ", ".join(e.what for e in rules)
    if serving:
        return [
            Finding(
                file=serving[0].file,
                rule="governance/mixed-change",
                message=f"changes governance ({named}) and serving ({', '.join(e.what for e in serving)}) at once: "
                "open the governance change as a pull request of its own, reviewed before any change it allows",
                source="governance",
            )
        ]
    return [
        Finding(
            file=rules[0].file,
            rule="governance/review",
            message=f"governance change ({named}): {_reviewers(change, rules)}",
            source="governance",
            severity="notice",
        )
    ]


def _stack_edits(base: Base, head: Environment) -> tuple[list[_Edit], list[_Edit]]:
    if base.stack is None:
        return [_Edit(head.config_file, f"stack {head.name} added")], []
    rules = [
        _Edit(head.config_file, f"{key} in {head.config_file}")
        for field, key in STACK_GOVERNANCE.items()
        if getattr(base.stack.config, field) != getattr(head.config, field)
    ]
    registry = (base.stack.image.registry if base.stack.image else None, head.image.registry if head.image else None)
    if registry[0] != registry[1]:
        rules.append(_Edit(head.config_file, "the model image's registry"))
    serving = [_Edit(m.file, f"{m.name} removed from {head.name}") for m in base.stack.models if not head.model(m.name)]
    for after in head.models:
        before = base.model(after.name)
        if before is None:
            serving.append(_Edit(after.file, f"{after.name} added to {head.name}"))
            continue
        rules += _differs(before, after, MANIFEST_GOVERNANCE)
        serving += _differs(before, after, MANIFEST_SERVING)
    return rules, serving


def _differs(before: Model, after: Model, fields: dict[str, str]) -> list[_Edit]:
    return [
        _Edit(after.file, f"{key} in {after.file}")
        for field, key in fields.items()
        if getattr(before.manifest, field) != getattr(after.manifest, field)
    ]


def _reviewers(change: Change, edits: Sequence[_Edit]) -> str:
    if change.codeowners is None:
        return (
            f"no {CODEOWNERS} at {change.ref} names its reviewers: add the one estaleiro/gate/codeowners.py generates"
        )
    owners = sorted({owner for e in edits for owner in owners_of(change.codeowners, e.file)})
    who = ", ".join(owners) if owners else "nobody (no line matches)"
    return f"needs the review of {who} ({CODEOWNERS} at {change.ref}), with code-owner review required on the branch"
