"""How a metric threshold reads in messages and pull requests, and whether a value meets it."""

from __future__ import annotations

from estaleiro.config.manifest import Threshold


def describe(bound: Threshold) -> str:
    """`>= 0.8`, `<= 0.45`, or both joined by `and`."""
    parts = [f"{op} {limit}" for op, limit in ((">=", bound.min), ("<=", bound.max)) if limit is not None]
    return " and ".join(parts)


def meets(bound: Threshold, value: float) -> bool:
    return (bound.min is None or value >= bound.min) and (bound.max is None or value <= bound.max)
