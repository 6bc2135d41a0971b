"""A version reaches a stack with `promotion.from` only after the upstream stack declared it.

Upstream means now (its manifest in the working tree) or at any commit in its history, so
completing a rollout upstream, which retires old versions there, does not condemn them here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from estaleiro.config.environment import Environment
from estaleiro.findings import Finding
from policies.promotion.finding import violation


def promoted_from_upstream(env: Environment, root: Path) -> list[Finding]:
    upstream = env.config.promotion.from_stack
    if upstream is None:
        return []
    findings = []
    for model in env.models:
        relative = f"stacks/{upstream}/models/{model.name}.yaml"
        seen = declared_versions(root, relative)
        for version in model.manifest.versions:
            if version not in seen:
                findings.append(
                    violation(
                        "promoted-from-upstream",
                        model.file,
                        model.name,
                        version,
                        f"{version} was never declared in {relative}: promote it to {upstream} first",
                    )
                )
    return findings


def declared_versions(root: Path, relative: str) -> frozenset[str]:
    texts = [(root / relative).read_text(encoding="utf-8")] if (root / relative).is_file() else []
    log = subprocess.run(["git", "log", "--format=%H", "--", relative], cwd=root, capture_output=True, text=True)
    for commit in log.stdout.split() if log.returncode == 0 else []:
        shown = subprocess.run(["git", "show", f"{commit}:{relative}"], cwd=root, capture_output=True, text=True)
        if shown.returncode == 0:
            texts.append(shown.stdout)
    versions: set[str] = set()
    for text in texts:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(document, dict) and isinstance(document.get("versions"), dict):
            versions.update(document["versions"])
    return frozenset(versions)
