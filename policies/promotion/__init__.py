"""Promotion rules: each a plain function `(base, head) -> list[Finding]`, the gate of every serving change.

`base` is the stack and its upstream at the base ref (the merge base with `main` in CI, `HEAD`
for a local check and for the commands that edit manifests); `head` is the stack after the
change. `estaleiro check` runs them on every pull request; `promote`, `ramp`, `complete` and
`rollback` run them on their edit before writing it, so a command never writes what the
check would fail. Invalid input (a split not summing to 100, an undeclared version) is
caught when the files load; these rules judge valid manifests against evidence and policy.
"""

from __future__ import annotations

from collections.abc import Callable

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from estaleiro.gate.base import Base
from policies.promotion.artifact_buckets import artifact_buckets
from policies.promotion.canary_limit import canary_limit
from policies.promotion.card_metrics import card_metrics
from policies.promotion.immutable_versions import immutable_versions
from policies.promotion.owners import owners
from policies.promotion.pinned_images import pinned_images
from policies.promotion.retired_versions import retired_versions
from policies.promotion.upstream_first import upstream_first

Rule = Callable[[Base, Environment], list[Finding]]
RULES: tuple[Rule, ...] = (
    canary_limit,
    upstream_first,
    immutable_versions,
    retired_versions,
    card_metrics,
    pinned_images,
    artifact_buckets,
    owners,
)


def evaluate(base: Base, head: Environment) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(base, head)]
