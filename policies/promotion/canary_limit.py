"""A version starts serving beside the others with at most the canary limit; later pull requests raise it.

Versions entering together share the limit. A model new to the stack is exempt (its first
version has nothing to run beside), and so is traffic moving to a version that already
serves: that is a ramp, a completion or a rollback, not an entry.
"""

from __future__ import annotations

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from estaleiro.gate import traffic
from estaleiro.gate.base import Base
from policies.promotion.finding import violation


def canary_limit(base: Base, head: Environment) -> list[Finding]:
    findings = []
    for model in head.models:
        limit = traffic.canary_limit(base, head, model.name)
        entering = traffic.entering(base.model(model.name), model)
        total = sum(entering.values())
        if limit is None or total <= limit.percent:
            continue
        together = f" (with {', '.join(sorted(entering))}: {total} % together)" if len(entering) > 1 else ""
        for version, percent in entering.items():
            findings.append(
                violation(
                    "canary-limit",
                    model.file,
                    model.name,
                    version,
                    f"{version} starts serving in {head.name} at {percent} %{together}, above the canary limit "
                    f"of {limit.percent} % ({limit.set_by}): start at {limit.percent} % or less, then "
                    f"`estaleiro ramp`",
                )
            )
    return findings
