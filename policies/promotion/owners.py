"""Whoever vouches for a version's card also owns its serving: a card owner is a manifest owner."""

from __future__ import annotations

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from estaleiro.gate.base import Base
from policies.promotion.finding import violation


def owners(_base: Base, env: Environment) -> list[Finding]:
    findings = []
    for model in env.models:
        for version, card in model.cards.items():
            contacts = {owner.contact for owner in card.card.model_details.owners}
            if not contacts & set(model.manifest.owners):
                findings.append(
                    violation(
                        "owners",
                        model.file,
                        model.name,
                        version,
                        f"owners include no owner of {card.file}: add {' or '.join(sorted(contacts))} to `owners`",
                    )
                )
    return findings
