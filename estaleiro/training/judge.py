"""Champion against challenger: a retrained model is proposed only when it is clearly better.

The champion is the version taking the most traffic in the stack; its numbers are the ones
its model card reports. The challenger must meet every threshold the manifest sets (the same
comparison the promotion rules make) and beat the champion on the primary metric by at least
the declared gain, in the metric's own direction (higher AUC, lower log loss).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from estaleiro.config.types import Threshold
from estaleiro.gate.thresholds import describe, shortfall
from estaleiro.training.metrics import METRICS


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return ("accepted: " if self.accepted else "rejected: ") + "; ".join(self.reasons)


def judge(
    challenger: Mapping[str, float],
    champion: Mapping[str, float] | None,
    thresholds: Mapping[str, Threshold],
    primary: str,
    minimum_gain: float,
) -> Verdict:
    failures = [
        f"{name} {challenger[name]:.4f} does not meet {describe(bound)}"
        if name in challenger
        else f"{name} was not evaluated"
        for name, bound in sorted(thresholds.items())
        if name not in challenger or shortfall(bound, challenger[name]) is not None
    ]
    if failures:
        return Verdict(False, tuple(failures))
    value = challenger[primary]
    if champion is None or primary not in champion:
        return Verdict(True, (f"{primary} {value:.4f}; no champion reports {primary} to beat",))
    gain = value - champion[primary] if METRICS[primary].higher_is_better else champion[primary] - value
    comparison = f"{primary} {value:.4f} against the champion's {champion[primary]:.4f} (gain {gain:+.4f}"
    if gain < minimum_gain:
        return Verdict(False, (f"{comparison}, below the minimum gain {minimum_gain})",))
    return Verdict(True, (f"{comparison}, at least {minimum_gain})",))
