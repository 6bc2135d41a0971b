"""How a metric threshold reads, and the one comparison of a value with it (rules and pull requests)."""

from __future__ import annotations

from estaleiro.config.types import Threshold


def describe(bound: Threshold) -> str:
    """`>= 0.8`, `<= 0.45`, or both joined by `and`."""
    parts = [f"{op} {limit}" for op, limit in ((">=", bound.min), ("<=", bound.max)) if limit is not None]
    return " and ".join(parts)


def shortfall(bound: Threshold, value: float) -> str | None:
    """How `value` misses `bound` ("below the minimum 0.8"), or None when it meets it.

    Written as `not value >= min` so that a value no comparison holds for (NaN) never passes.
    """
    if bound.min is not None and not value >= bound.min:
        return f"below the minimum {bound.min}"
    if bound.max is not None and not value <= bound.max:
        return f"above the maximum {bound.max}"
    return None
