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
        seen = _declared_versions(root, relative)
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


def _declared_versions(root: Path, relative: str) -> frozenset[str]:
    """Versions `relative` declares in the working tree or at any commit that touched it."""
    texts = [(root / relative).read_text(encoding="utf-8")] if (root / relative).is_file() else []
    texts += _history(root, relative)
    versions: set[str] = set()
    for text in texts:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(document, dict) and isinstance(document.get("versions"), dict):
            versions.update(document["versions"])
    return frozenset(versions)


def _history(root: Path, relative: str) -> list[str]:
    """Every committed text of `relative`, read by one `git cat-file --batch` (two processes in all)."""
    log = subprocess.run(["git", "log", "--format=%H", "--", relative], cwd=root, capture_output=True, text=True)
    commits = log.stdout.split() if log.returncode == 0 else []
    if not commits:
        return []
    request = "".join(f"{commit}:{relative}\n" for commit in commits).encode()
    out = subprocess.run(["git", "cat-file", "--batch"], input=request, cwd=root, capture_output=True).stdout
    texts = []
    while out:
        header, _, out = out.partition(b"\n")
        fields = header.split()
        if len(fields) == 3 and fields[1] == b"blob":  # "<name> missing" where a commit deleted the file
            size = int(fields[2])
            texts.append(out[:size].decode("utf-8", errors="replace"))
            out = out[size + 1 :]
    return texts
