"""The CI/CD users run in their cloud: it parses, calls only what exists, deploys upstream first, uses no keys."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from estaleiro.checkov.runner import OFFLINE, checkov_command
from estaleiro.cli import cli

REPO = Path(__file__).resolve().parents[2]
CONFIGS = ["cloudbuild/pr.yaml", "cloudbuild/deploy.yaml", ".github/workflows/pr.yml", ".github/workflows/deploy.yml"]


def text(relative: str) -> str:
    return (REPO / relative).read_text()


def commands(relative: str) -> list[str]:
    """Every shell command line a config runs (Cloud Build args, Actions `run:` blocks)."""
    data = yaml.safe_load(text(relative))
    if "steps" in data:
        return [line for step in data["steps"] for arg in step.get("args", []) for line in str(arg).splitlines()]
    return [
        line for job in data["jobs"].values() for step in job["steps"] for line in str(step.get("run", "")).splitlines()
    ]


@pytest.mark.parametrize("relative", CONFIGS)
def test_configs_parse(relative: str) -> None:
    assert isinstance(yaml.safe_load(text(relative)), dict)


@pytest.mark.parametrize("relative", CONFIGS)
def test_every_estaleiro_subcommand_exists(relative: str) -> None:
    """Including those the config's own scripts call."""
    lines = commands(relative)
    scripts = {m.group(0) for line in lines for m in re.finditer(r"scripts/[\w/.-]+", line)}
    lines += [line for script in scripts for line in text(script).splitlines()]
    used = {m.group(1) for line in lines for m in re.finditer(r"estaleiro (\w+)", line)}
    assert used and used <= set(cli.commands), used - set(cli.commands)


@pytest.mark.parametrize("relative", CONFIGS)
def test_every_repository_script_exists(relative: str) -> None:
    scripts = {m.group(0) for line in commands(relative) for m in re.finditer(r"scripts/[\w/.-]+", line)}
    assert scripts, relative
    for script in scripts:
        assert (REPO / script).is_file(), script


def test_triggers_point_at_configs_that_exist() -> None:
    source = text("components/ci_triggers.py")
    for config in re.findall(r'filename="([^"]+)"', source):
        assert (REPO / config).is_file(), config


@pytest.mark.parametrize("relative", [*CONFIGS, "images/ci/Dockerfile"])
def test_no_long_lived_keys(relative: str) -> None:
    content = text(relative)
    for forbidden in ("credentials_json", "GOOGLE_APPLICATION_CREDENTIALS", "private_key", "serviceaccount/key"):
        assert forbidden not in content, (relative, forbidden)


def test_deploy_workflow_is_keyless_serial_and_locked_per_stack() -> None:
    workflow = yaml.safe_load(text(".github/workflows/deploy.yml"))
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"]["id-token"] == "write"
    assert deploy["strategy"]["max-parallel"] == 1 and deploy["strategy"]["fail-fast"] is True
    assert deploy["concurrency"] == {"group": "deploy-${{ matrix.stack }}", "cancel-in-progress": False}
    assert deploy["environment"] == "${{ matrix.stack }}"  # the subject WIF accepts names this environment
    auth = next(s for s in deploy["steps"] if str(s.get("uses", "")).startswith("google-github-actions/auth@"))
    assert set(auth["with"]) == {"workload_identity_provider", "service_account"}


@pytest.mark.parametrize("relative", [".github/workflows/pr.yml", ".github/workflows/deploy.yml"])
def test_actions_are_pinned_by_commit(relative: str) -> None:
    workflow = yaml.safe_load(text(relative))
    uses = [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses


def test_deploys_run_upstream_first(repo: Path, cli) -> None:
    """The deploy order both CI systems use is `estaleiro stacks`: dev before prod."""
    assert cli(repo, "stacks")[1].split() == ["dev", "prod"]
    assert "scripts/ci/deploy HEAD~1" in text(".github/workflows/deploy.yml")
    assert "estaleiro stacks --changed-since" in text("scripts/ci/deploy")


def test_checkov_passes_the_workflows_and_the_dockerfile() -> None:
    command = checkov_command(REPO, REPO, ("github_actions", "dockerfile"), (r"\.venv", r"\.tools", r"\.git/"))
    out = subprocess.run(command, env={**os.environ, **OFFLINE}, capture_output=True, text=True).stdout
    reports = json.loads(out)
    reports = reports if isinstance(reports, list) else [reports]
    summary = {r["check_type"]: r["summary"] for r in reports}
    assert set(summary) == {"github_actions", "dockerfile"}
    assert all(s["failed"] == 0 and s["passed"] > 10 for s in summary.values()), summary
