"""Every declared version's model card meets the metric thresholds its manifest declares."""

from __future__ import annotations

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from estaleiro.gate.base import Base
from estaleiro.gate.thresholds import describe, shortfall
from policies.promotion.finding import violation


def card_metrics(_base: Base, head: Environment) -> list[Finding]:
    findings = []
    for model in head.models:
        for version, card in model.cards.items():
            for metric, bound in model.manifest.thresholds.items():
                value = card.card.metric(metric)
                if value is None:
                    problem = f"card reports no overall {metric}; {model.file} requires {metric} {describe(bound)}"
                else:
                    missed = shortfall(bound, value)
                    if missed is None:
                        continue
                    problem = f"{metric} {value} is {missed}"
                findings.append(violation("card-metrics", card.file, model.name, version, problem))
    return findings
