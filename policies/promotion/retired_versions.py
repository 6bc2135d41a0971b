"""A version key is never reused in a stack: one its history declared comes back only as the same artifact and image.

`immutable-versions` guards the keys the base declares; this rule guards the ones it retired, from
the stack's history at the base (commits reachable from the base commit only). A retired `v7`
re-declared with another artifact would inherit v7's card, its canary and its time upstream, and
make every log, label and rollback that names v7 ambiguous. Bringing back the same artifact and
image (a rollback to a retired version) reuses nothing.
"""

from __future__ import annotations

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from estaleiro.gate.base import Base
from policies.promotion.finding import violation


def retired_versions(base: Base, head: Environment) -> list[Finding]:
    findings = []
    for model in head.models:
        before = base.model(model.name)
        declared_now = before.manifest.versions if before else {}
        for version, spec in model.manifest.versions.items():
            if version in declared_now:
                continue
            for past in base.history.get(model.name, ()):
                if past.version != version or (past.artifact_uri, past.image) == (spec.artifact_uri, spec.image):
                    continue
                key, old, new = (
                    ("artifactUri", past.artifact_uri, spec.artifact_uri)
                    if past.artifact_uri != spec.artifact_uri
                    else ("image", past.image, spec.image)
                )
                message = (
                    f"{version} was declared in {model.file} at {past.commit[:12]} with {key} {old}, not {new}; "
                    "a version key is never reused: declare the new artifact or image as a new version"
                )
                findings.append(violation("retired-versions", model.file, model.name, version, message))
                break
    return findings
