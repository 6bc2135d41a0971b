"""Every deployed version's model card meets the metric thresholds its manifest declares."""

from __future__ import annotations

from pathlib import Path

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from estaleiro.promotion.thresholds import describe
from policies.promotion.finding import violation


def card_metrics(env: Environment, _root: Path) -> list[Finding]:
    findings = []
    for model in env.models:
        for version, card in model.cards.items():
            for metric, bound in model.manifest.thresholds.items():
                value = card.card.metric(metric)
                if value is None:
                    problem = f"card reports no overall {metric}; {model.file} requires {metric} {describe(bound)}"
                elif bound.min is not None and value < bound.min:
                    problem = f"{metric} {value} is below the minimum {bound.min}"
                elif bound.max is not None and value > bound.max:
                    problem = f"{metric} {value} is above the maximum {bound.max}"
                else:
                    continue
                findings.append(violation("card-metrics", card.file, model.name, version, problem))
    return findings
