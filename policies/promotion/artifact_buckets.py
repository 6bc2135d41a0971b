"""Model artifacts come only from buckets the environment trusts: its own, or ones it names."""

from __future__ import annotations

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from estaleiro.gate.base import Base
from estaleiro.naming import models_bucket
from policies.promotion.finding import violation


def bucket_of(uri: str) -> str:
    return uri.removeprefix("gs://").split("/", 1)[0]


def artifact_buckets(_base: Base, env: Environment) -> list[Finding]:
    allowed = {models_bucket(env.config, env.name)} | {bucket_of(b) for b in env.config.allowed_artifact_buckets}
    return [
        violation(
            "artifact-buckets",
            model.file,
            model.name,
            version,
            f"artifact {spec.artifact_uri} is outside the allowed buckets ({', '.join(sorted(allowed))}); "
            "copy it there or add its bucket to estaleiro:allowedArtifactBuckets",
        )
        for model in env.models
        for version, spec in model.manifest.versions.items()
        if bucket_of(spec.artifact_uri) not in allowed
    ]
