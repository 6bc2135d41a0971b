"""A version declared in a stack keeps its artifact, image and card there: a changed one is a new version.

Otherwise a version's evidence (its card, its canary, its time upstream) would vouch for a
different model swapped in under its key, or edited evidence for the model already serving.
"""

from __future__ import annotations

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from estaleiro.gate.base import Base
from policies.promotion.finding import violation
from policies.promotion.identity import differences


def immutable_versions(base: Base, head: Environment) -> list[Finding]:
    findings = []
    for model in head.models:
        before = base.model(model.name)
        if before is None:
            continue
        for version, spec in model.manifest.versions.items():
            was = before.manifest.versions.get(version)
            if was is None:
                continue
            findings += [
                violation(
                    "immutable-versions",
                    model.file,
                    model.name,
                    version,
                    f"{version} changes its {key} from {old} to {new}; a version never changes: "
                    "declare the new artifact, image or card as a new version",
                )
                for key, old, new in differences(was, spec)
            ]
    return findings
