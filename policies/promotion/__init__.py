"""Promotion rules: each a plain function `(env, root) -> list[Finding]`, run by `estaleiro check`.

Invalid input (a split not summing to 100, an undeclared version) is caught when the
manifest loads; these rules judge valid manifests against the evidence and the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from policies.promotion.artifact_buckets import artifact_buckets
from policies.promotion.card_metrics import card_metrics
from policies.promotion.owners import owners
from policies.promotion.pinned_images import pinned_images
from policies.promotion.promoted_from_upstream import promoted_from_upstream

Rule = Callable[[Environment, Path], list[Finding]]
RULES: tuple[Rule, ...] = (card_metrics, promoted_from_upstream, pinned_images, artifact_buckets, owners)


def evaluate(env: Environment, root: Path) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(env, root)]
