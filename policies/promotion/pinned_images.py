"""In a stack that takes promotions (prod), every serving image is pinned by digest: tags move."""

from __future__ import annotations

from estaleiro.config.environment import Environment
from estaleiro.config.manifest import DIGEST_PIN
from estaleiro.findings import Finding
from estaleiro.gate.base import Base
from policies.promotion.finding import violation


def pinned_images(_base: Base, env: Environment) -> list[Finding]:
    if env.config.promotion.from_stack is None:
        return []
    return [
        violation(
            "pinned-images",
            model.file,
            model.name,
            version,
            f"image {spec.image} is not pinned by digest; use {DIGEST_PIN}<digest> in {env.name}",
        )
        for model in env.models
        for version, spec in model.manifest.versions.items()
        if not spec.pinned
    ]
