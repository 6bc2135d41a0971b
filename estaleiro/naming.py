"""Resource names: prefix + environment + role, never random, so plans diff and humans recognise them."""

from __future__ import annotations

from estaleiro.config.stack import StackConfig

MANAGED_BY = "estaleiro"


def global_name(config: StackConfig, env: str, role: str) -> str:
    """Names that must be unique across all of Google Cloud (buckets)."""
    return f"{config.prefix}-{env}-{role}"


def project_name(env: str, role: str) -> str:
    """Names that only need to be unique within the environment's project (accounts, pools)."""
    return f"{env}-{role}"


def models_bucket(config: StackConfig, env: str) -> str:
    """The bucket whose model artifacts an environment always trusts."""
    return global_name(config, env, "models")


def labels(config: StackConfig, env: str, **extra: str) -> dict[str, str]:
    """Labels every labelled resource carries: the stack's own, then the three Estaleiro sets."""
    return {**config.labels, **extra, "env": env, "team": config.team, "managed-by": MANAGED_BY}
