"""The one way a promotion rule reports a violation."""

from __future__ import annotations

from estaleiro.findings import Finding


def violation(rule: str, file: str, model: str, version: str, message: str) -> Finding:
    return Finding(
        file=file, rule=f"promotion/{rule}", message=message, source="promotion", resource=f"{model}/{version}"
    )
