"""`.github/CODEOWNERS`: who must review a change, generated from the stacks and read back by the gate.

GitHub reads the file from the pull request's base branch, and the last line whose pattern
matches a path names its owners. Governance (what decides a merge) belongs to the platform
team: `@<org>/<team>` for each stack's `estaleiro:ciRepository` owner and `estaleiro:team`.
A model's manifests and cards belong to the manifest's `owners`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

from estaleiro import layout
from estaleiro.config.environment import load_environment

CODEOWNERS = ".github/CODEOWNERS"
# Every path whose change is governance as a whole (stack configs and manifest fields are judged apart).
GOVERNANCE_PATHS = (
    "policies/",
    "estaleiro/",
    ".github/",
    "cloudbuild/",
    ".ci/",
    "scripts/",
    "pyproject.toml",
)


def generate(root: Path) -> str:
    """The CODEOWNERS the stacks of `root` call for (tests keep the checked-in file equal to it)."""
    envs = [load_environment(root, stack) for stack in layout.stack_names(root)]
    platform = " ".join(sorted({f"@{env.config.ci_repository.split('/')[0]}/{env.config.team}" for env in envs}))
    models: dict[str, set[str]] = {}
    lines = [
        "# Generated from the stacks' owners by estaleiro/gate/codeowners.py; tests/gate/test_codeowners.py",
        "# keeps it equal to them. GitHub reads it from the base branch; the last matching line wins.",
        "# Everything not named below is the platform team's.",
        f"* {platform}",
        "# Serving: each manifest's owners review its manifest and its model's cards.",
    ]
    for env in envs:
        for model in env.models:
            lines.append(f"/{model.file} {' '.join(model.manifest.owners)}")
            models.setdefault(model.name, set()).update(model.manifest.owners)
    lines += [f"/{layout.MODEL_CARDS}/{name}/ {' '.join(sorted(owners))}" for name, owners in sorted(models.items())]
    lines.append("# Governance (README, Policy): what decides what may merge is reviewed by the platform team.")
    lines += [f"/{env.config_file} {platform}" for env in envs]
    lines += [f"/{path} {platform}" for path in GOVERNANCE_PATHS]
    return "\n".join(lines) + "\n"


def owners_of(codeowners: str, path: str) -> tuple[str, ...]:
    """The owners of repository file `path`: the last matching line's (GitHub's rule), none when no line matches."""
    found: tuple[str, ...] = ()
    for line in codeowners.splitlines():
        pattern, *owners = line.split("#", 1)[0].split() or [""]
        if pattern and _matches(pattern, path):
            found = tuple(owners)
    return found


def _matches(pattern: str, path: str) -> bool:
    """The subset of gitignore patterns CODEOWNERS files use: `*`, `/anchored`, `folder/`, globs."""
    if pattern == "*":
        return True
    anchored = pattern.startswith("/")
    body = pattern.strip("/")
    candidates = [path] if anchored else [path, *(path.split("/", i + 1)[-1] for i in range(path.count("/")))]
    if pattern.endswith("/"):
        return any(c.startswith(body + "/") for c in candidates)
    return any(fnmatchcase(c, body) or c.startswith(body + "/") for c in candidates)
