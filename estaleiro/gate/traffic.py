"""Which versions a change makes serve, and how much they may start with: one meaning for rules and commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from estaleiro.config.environment import Environment, Model
from estaleiro.gate.base import Base


def entering(before: Model | None, after: Model) -> dict[str, int]:
    """Versions serving (traffic > 0) after the change that did not serve before it, with their shares.

    A version serving at the base is not entering, whatever share it gets: moving traffic back to
    it (a rollback) is judged by neither the canary limit nor the upstream rule.
    """
    was: Mapping[str, int] = before.manifest.traffic if before else {}
    return {v: p for v, p in after.manifest.traffic.items() if p > 0 and was.get(v, 0) == 0}


@dataclass(frozen=True)
class CanaryLimit:
    percent: int
    set_by: str  # "`canaryLimitPercent` in stacks/prod/models/churn.yaml"; "" when nothing sets one (100 %)


def canary_limit(base: Base, head: Environment, model: str) -> CanaryLimit | None:
    """The most traffic versions entering `model` may take together, or None when it served nothing at the base.

    The stricter of the base's limit and the head's: a change cannot raise the limit it is judged by.
    A model new to the stack has nothing to run a canary beside, so its first versions take it all.
    """
    before, after = base.model(model), head.model(model)
    if base.stack is None or before is None or after is None:
        return None
    return min(_limit(base.stack, before), _limit(head, after), key=lambda limit: limit.percent)


def _limit(env: Environment, model: Model) -> CanaryLimit:
    if model.manifest.canary_limit_percent is not None:
        return CanaryLimit(model.manifest.canary_limit_percent, f"`canaryLimitPercent` in {model.file}")
    promotion = env.config.promotion
    if "canary_limit_percent" in promotion.model_fields_set:
        return CanaryLimit(
            promotion.canary_limit_percent, f"`estaleiro:promotion.canaryLimitPercent` in {env.config_file}"
        )
    return CanaryLimit(100, "")
