"""Traffic arithmetic: integer percentages that always sum to 100."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def with_share(split: Mapping[str, int], version: str, percent: int) -> dict[str, int]:
    """`version` gets `percent`; the versions already taking traffic share the rest in proportion.

    Largest-remainder rounding keeps the total at exactly 100 (90/10 plus a 20 % newcomer
    gives 72/8/20, never 72/8/21).
    """
    others = {v: p for v, p in split.items() if v != version and p > 0}
    rest, total = 100 - percent, sum(others.values())
    if total == 0:
        if percent != 100:
            raise ValueError(f"nothing else takes traffic, so {version} must take 100, not {percent}")
        return {version: 100}
    exact = {v: p * rest / total for v, p in others.items()}
    shares = {v: int(q) for v, q in exact.items()}
    leftover = rest - sum(shares.values())
    for v in sorted(exact, key=lambda v: (shares[v] - exact[v], v))[:leftover]:
        shares[v] += 1
    return {**shares, version: percent}


def by_number(versions: Iterable[str]) -> list[str]:
    """Versions oldest first: v9 before v10."""
    return sorted(versions, key=lambda v: int(v[1:]))
