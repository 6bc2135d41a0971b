"""The CI/CD users run in their cloud: it parses, calls only what exists, deploys upstream first, uses no keys."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.ci_triggers import PULUMI_VERSION
from estaleiro.checkov.runner import OFFLINE, checkov_command, copy_scanned_files
from estaleiro.cli import cli as estaleiro
from estaleiro.naming import GITHUB_CREDENTIALS

REPO = Path(__file__).resolve().parents[2]
CLOUD_BUILD = ["cloudbuild/pr.yaml", "cloudbuild/deploy.yaml", "cloudbuild/model-image.yaml"]
# The configs that call GitHub (history, comments) and so read the github-token secret.
READS_GITHUB = ["cloudbuild/pr.yaml", "cloudbuild/deploy.yaml"]
WORKFLOWS = [".github/workflows/pr.yml", ".github/workflows/deploy.yml"]
DOCKERFILE = "images/ci/Dockerfile"
SCRIPT = re.compile(r"scripts/[\w/.-]+")
# Google documents 10 to 30 minutes for deploying a model to an endpoint; a stack's deployments run in parallel.
VERTEX_DEPLOY_WORST_CASE = 30 * 60


def load(relative: str) -> Any:
    return yaml.safe_load((REPO / relative).read_text())


def commands(relative: str) -> list[str]:
    """Every command line a config runs: Cloud Build entrypoint + args, Actions `run:` blocks."""
    data = load(relative)
    if "steps" in data:
        return [
            " ".join([step.get("entrypoint", step["name"]), *map(str, step.get("args", []))]) for step in data["steps"]
        ]
    return [str(step["run"]) for job in data["jobs"].values() for step in job["steps"] if "run" in step]


def scripts(relative: str) -> set[str]:
    return {m.group(0) for line in commands(relative) for m in SCRIPT.finditer(line)}


@pytest.mark.parametrize("relative", [*CLOUD_BUILD, *WORKFLOWS])
def test_configs_parse(relative: str) -> None:
    data = load(relative)
    assert isinstance(data, dict) and commands(relative), relative


@pytest.mark.parametrize("relative", [*CLOUD_BUILD, *WORKFLOWS])
def test_every_repository_script_exists(relative: str) -> None:
    assert scripts(relative), relative
    for script in scripts(relative):
        assert (REPO / script).is_file(), f"{relative} runs {script}, which does not exist"
        assert os.access(REPO / script, os.X_OK) or script.endswith(".py"), f"{script} is not executable"


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("cloudbuild/pr.yaml", {"check", "plan", "ci history", "ci comment"}),
        ("cloudbuild/deploy.yaml", {"ci history", "ci deploy"}),
        ("cloudbuild/model-image.yaml", {"pipeline image"}),
        (".github/workflows/pr.yml", {"check", "plan", "stacks", "ci comment"}),
        (".github/workflows/deploy.yml", {"ci stacks", "ci deploy"}),
    ],
)
def test_every_estaleiro_subcommand_exists(relative: str, expected: set[str]) -> None:
    """In the config and in the repository scripts it runs; against the real click group."""
    text = "\n".join(commands(relative) + [(REPO / s).read_text() for s in scripts(relative)])
    used = {" ".join(filter(None, m)) for m in re.findall(r"estaleiro (?:(ci|pipeline) )?(\w+)", text)}
    assert used == expected, relative
    for command in used:
        group, *sub = command.split()
        found = estaleiro.commands.get(group)
        assert found is not None and (not sub or sub[0] in getattr(found, "commands", {})), f"{relative}: {command}"


@pytest.mark.parametrize("relative", [*CLOUD_BUILD, *WORKFLOWS, DOCKERFILE])
def test_no_long_lived_keys(relative: str) -> None:
    content = (REPO / relative).read_text()
    for forbidden in ("credentials_json", "GOOGLE_APPLICATION_CREDENTIALS", "private_key", "keys create", "key.json"):
        assert forbidden not in content, f"{relative} mentions {forbidden}"


@pytest.mark.parametrize("relative", CLOUD_BUILD)
def test_cloud_build_images_are_pinned_and_the_ci_user_owns_the_workspace(relative: str) -> None:
    steps = load(relative)["steps"]
    for step in steps:
        image = step["name"]
        assert image == "${_CI_IMAGE}" or re.search(r"@sha256:[0-9a-f]{64}$", image), f"{relative}: {image} unpinned"
    first, uid = steps[0], re.search(r"--uid (\d+)", (REPO / DOCKERFILE).read_text())
    assert uid and first["entrypoint"] == "chown", f"{relative}: the first step must hand /workspace to the CI user"
    assert first["args"] == ["-R", f"{uid.group(1)}:{uid.group(1)}", "/workspace", "/builder/home"]
    assert first["name"].split("@")[0] in (REPO / DOCKERFILE).read_text(), "chown with the CI image's own base"


def test_the_model_image_build_reads_no_secret() -> None:
    data = load("cloudbuild/model-image.yaml")
    assert "availableSecrets" not in data and not any("secretEnv" in step for step in data["steps"])


@pytest.mark.parametrize("relative", READS_GITHUB)
def test_cloud_build_secrets_come_from_secret_manager(relative: str) -> None:
    data = load(relative)
    declared = {s["env"] for s in data["availableSecrets"]["secretManager"]}
    used = {name for step in data["steps"] for name in step.get("secretEnv", [])}
    assert used and used == declared, relative
    assert [s["versionName"] for s in data["availableSecrets"]["secretManager"]] == [
        f"projects/${{PROJECT_ID}}/secrets/{GITHUB_CREDENTIALS}/versions/latest"  # what components/secrets.py declares
    ], relative


def test_the_dockerfile_pins_its_base_and_runs_unprivileged() -> None:
    lines = (REPO / DOCKERFILE).read_text().splitlines()
    [base] = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", base), base
    assert [line for line in lines if line.startswith("USER ")][-1] == "USER 10001"  # numeric: hadolint DL3066
    assert "HEALTHCHECK NONE" in lines and "latest" not in "\n".join(lines)


def test_deploy_workflow_is_keyless_serial_and_locked_per_stack() -> None:
    workflow = load(".github/workflows/deploy.yml")
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"]["id-token"] == "write"
    assert deploy["strategy"]["max-parallel"] == 1 and deploy["strategy"]["fail-fast"] is True
    assert deploy["concurrency"] == {"group": "deploy-${{ matrix.stack }}", "cancel-in-progress": False}
    assert deploy["environment"] == "${{ matrix.stack }}"  # the subject WIF accepts names this environment
    auth = next(s for s in deploy["steps"] if str(s.get("uses", "")).startswith("google-github-actions/auth@"))
    assert set(auth["with"]) == {"workload_identity_provider", "service_account"}
    assert workflow["permissions"] == {"contents": "read"}


def test_pull_requests_get_no_cloud_credentials() -> None:
    workflow = load(".github/workflows/pr.yml")
    [job] = workflow["jobs"].values()
    assert "id-token" not in job["permissions"]
    assert not any(str(s.get("uses", "")).startswith("google-github-actions/") for s in job["steps"])


@pytest.mark.parametrize("relative", WORKFLOWS)
def test_actions_are_pinned_by_commit_and_checkouts_keep_no_token(relative: str) -> None:
    steps = [s for job in load(relative)["jobs"].values() for s in job["steps"] if "uses" in s]
    assert steps and all(re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", s["uses"]) for s in steps), relative
    checkouts = [s for s in steps if s["uses"].startswith("actions/checkout@")]
    assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_one_pulumi_version_everywhere() -> None:
    assert f"ARG PULUMI_VERSION={PULUMI_VERSION}\n" in (REPO / DOCKERFILE).read_text()
    assert f"scripts/install-pulumi {PULUMI_VERSION} " in (REPO / ".github/workflows/deploy.yml").read_text()


@pytest.mark.parametrize("relative", [*WORKFLOWS, DOCKERFILE, "scripts/install", "scripts/install-pulumi"])
def test_nothing_downloaded_is_piped_into_a_shell(relative: str) -> None:
    """`curl | sh` runs whatever arrived, even half a script, and hides a failed download."""
    lines = (REPO / relative).read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))  # code, not comments
    assert not re.search(r"(curl|wget)[^\n|]*\|\s*(sudo\s+)?(ba|z)?sh\b", text), relative
    if re.search(r"\b(curl|wget)\s+-", text):  # a download, not the package's name
        assert relative == "scripts/install-pulumi" and "sha256sum --check" in text, relative


def test_deploys_run_upstream_first(repo: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    """GitHub deploys in the order `estaleiro ci stacks` prints; Cloud Build's prod waits for dev (test_deploy)."""
    assert cli(repo, "ci", "stacks", "--since", "0" * 40)[1] == '["dev", "prod"]\n'
    [changed] = [line for line in commands(".github/workflows/deploy.yml") if "estaleiro ci stacks" in line]
    assert "--since" in changed
    for relative in (".github/workflows/deploy.yml", "cloudbuild/deploy.yaml"):
        assert any("estaleiro ci deploy" in line for line in commands(relative)), relative


def test_checkov_passes_the_workflows_and_the_dockerfile(tmp_path: Path) -> None:
    copy_scanned_files(REPO, tmp_path)  # what `check` scans
    command = checkov_command(REPO, tmp_path, ("github_actions", "dockerfile"), REPO)
    out = subprocess.run(command, env={**os.environ, **OFFLINE}, capture_output=True, text=True).stdout
    reports = json.loads(out)
    reports = reports if isinstance(reports, list) else [reports]
    summary = {r["check_type"]: r["summary"] for r in reports}
    assert set(summary) == {"github_actions", "dockerfile"}
    failed = [(c["check_id"], c["file_path"]) for r in reports for c in r["results"]["failed_checks"]]
    assert not failed and all(s["passed"] > 10 for s in summary.values()), (failed, summary)
    scanned = {c["file_path"] for r in reports for c in r["results"]["passed_checks"]}
    assert {"/" + DOCKERFILE, *("/" + w for w in WORKFLOWS)} <= scanned, scanned


def shell_steps(relative: str) -> list[str]:
    """Every script a config hands to a shell: Actions `run:` blocks, Cloud Build `bash -c` arguments."""
    data = load(relative)
    if "steps" in data:
        return [step["args"][1] for step in data["steps"] if step.get("entrypoint") == "bash"]
    return [str(step["run"]) for job in data["jobs"].values() for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("relative", [*CLOUD_BUILD, *WORKFLOWS])
def test_every_multi_line_step_fails_on_the_first_error(relative: str) -> None:
    """A failing command, unset variable or pipe stage fails the step, and so the run."""
    scripts = [s for s in shell_steps(relative) if len(s.strip().splitlines()) > 1]
    assert scripts or relative == "cloudbuild/deploy.yaml", relative
    for script in scripts:
        assert script.startswith("set -euo pipefail\n"), f"{relative}: {script.splitlines()[0]}"


@pytest.mark.parametrize("relative", WORKFLOWS)
def test_workflows_name_their_shell(relative: str) -> None:
    """Unnamed, GitHub runs `bash -e {0}` without pipefail; named, `bash --noprofile --norc -eo pipefail {0}`
    (docs.github.com, workflow syntax, jobs.<job_id>.steps[*].shell; github/docs#23853)."""
    assert load(relative)["defaults"] == {"run": {"shell": "bash"}}
    for job in load(relative)["jobs"].values():
        assert all("shell" not in step or step["shell"] == "bash" for step in job["steps"])


@pytest.mark.parametrize("relative", [*CLOUD_BUILD, *WORKFLOWS])
def test_no_command_substitution_hides_a_failure(relative: str) -> None:
    """`echo "x=$(cmd)"` and `for x in $(cmd)` succeed when cmd fails; an assignment of its own does not."""
    for script in shell_steps(relative):
        for line in script.splitlines():
            if "$(" in line and "$$(" not in line:
                assert re.match(r"\s*\w+=\$\(", line), f"{relative}: {line.strip()}"


def test_the_deploy_workflow_deploys_what_the_push_changed_or_everything() -> None:
    [changed] = [s for s in shell_steps(".github/workflows/deploy.yml") if "ci stacks" in s]
    assert 'stacks=$(.venv/bin/estaleiro ci stacks --since "$BEFORE")\n' in changed


def test_the_deploy_build_outlasts_the_upstream_wait_and_the_slowest_deployment() -> None:
    config = load("cloudbuild/deploy.yaml")
    build = int(config["timeout"].removesuffix("s"))
    [deploy] = [step for step in config["steps"] if step["id"] == "deploy"]
    [wait] = [int(a.split("=")[1]) for a in deploy["args"] if a.startswith("--timeout=")]
    assert wait >= VERTEX_DEPLOY_WORST_CASE + 10 * 60, "the upstream's own build: install plus its slowest deployment"
    assert build >= wait + VERTEX_DEPLOY_WORST_CASE + 10 * 60, (build, wait)
    job = load(".github/workflows/deploy.yml")["jobs"]["deploy"]
    assert job["timeout-minutes"] * 60 >= VERTEX_DEPLOY_WORST_CASE + 10 * 60


def test_pull_request_workflows_cannot_reach_a_deploy_identity() -> None:
    """No `pull_request_target` (a fork's code with the base's secrets), no environment (the only subject
    the stacks' Workload Identity Federation accepts), no id-token, no deploy variables."""
    workflow = load(".github/workflows/pr.yml")
    assert set(workflow[True]) == {"pull_request"}  # YAML 1.1 reads the key `on` as True
    text = (REPO / ".github/workflows/pr.yml").read_text()
    assert "vars.CI_DEPLOYER" not in text and "vars.WIF_PROVIDER" not in text
    for job in workflow["jobs"].values():
        assert "environment" not in job and "id-token" not in job.get("permissions", {})
