"""The CI files judged by tools nobody here wrote, installed by scripts/install (pyproject's dev pins).

- Cloud Build configs parse into google-cloud-build's `Build`, the API's own message: an unknown field fails.
- check-jsonschema's vendored SchemaStore schemas: `vendor.github-workflows` and `vendor.cloudbuild`.
- shellcheck (default severity) on scripts/, .ci/run and every shell step of both CI systems.
- hadolint on every Dockerfile: clean, or each finding waived below with its reason.
Each tool is also shown a known-bad input, so that a tool that silently checks nothing fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.cloud.devtools.cloudbuild_v1 import Build

from tests.ci.test_pipelines import CLOUD_BUILD, WORKFLOWS, shell_steps

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXCLUDED = (".venv", ".tools", ".git", "node_modules")
# hadolint findings accepted on purpose: {(Dockerfile, rule): reason}. None today.
HADOLINT_WAIVERS: dict[tuple[str, str], str] = {}


def tool(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"{name} is not installed beside this Python: run scripts/install"
    return str(path)


def run(*command: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=REPO)


def repository_files(pattern: str) -> list[Path]:
    return sorted(p for p in REPO.rglob(pattern) if not set(p.relative_to(REPO).parts) & set(EXCLUDED))


def build(config: dict[str, Any]) -> Build:
    return Build.from_json(json.dumps(config), ignore_unknown_fields=False)


@pytest.mark.parametrize("relative", CLOUD_BUILD)
def test_cloud_build_configs_are_build_messages(relative: str) -> None:
    config = yaml.safe_load((REPO / relative).read_text())
    message = build(config)
    assert len(message.steps) == len(config["steps"]) and message.timeout.total_seconds() > 0
    secrets = [s.env for s in message.available_secrets.secret_manager]
    assert secrets == (["GITHUB_TOKEN"] if "availableSecrets" in config else []), relative


def test_an_unknown_build_field_fails() -> None:
    config = yaml.safe_load((REPO / "cloudbuild/pr.yaml").read_text())
    with pytest.raises(Exception, match="secretsEnv"):
        build({**config, "steps": [{**config["steps"][0], "secretsEnv": ["X"]}]})


@pytest.mark.parametrize(
    ("schema", "files"), [("vendor.github-workflows", WORKFLOWS), ("vendor.cloudbuild", CLOUD_BUILD)]
)
def test_ci_files_meet_their_schemastore_schemas(schema: str, files: list[str]) -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", schema, *files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("schema", "bad"),
    [
        ("vendor.github-workflows", "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz: []\n"),
        ("vendor.cloudbuild", "steps:\n  - name: x\n    entrypont: bash\n"),
    ],
)
def test_the_schemas_reject_a_misspelt_key(schema: str, bad: str, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(bad)
    assert run(tool("check-jsonschema"), "--builtin-schema", schema, str(tmp_path / "bad.yaml")).returncode == 1


def shell_scripts() -> list[Path]:
    """scripts/* and .ci/run: every file whose first line names bash or sh."""
    candidates = [*sorted((REPO / "scripts").iterdir()), REPO / ".ci/run"]
    return [p for p in candidates if p.is_file() and re.match(r"#!.*\b(ba)?sh\b", p.read_text().split("\n", 1)[0])]


def test_there_are_scripts_to_check() -> None:
    assert {p.relative_to(REPO).as_posix() for p in shell_scripts()} >= {
        "scripts/install",
        "scripts/install-pulumi",
        ".ci/run",
    }


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_scripts_are_shellcheck_clean(script: Path) -> None:
    result = run(tool("shellcheck"), str(script))
    assert result.returncode == 0, result.stdout


def as_bash(step: str, cloud_build: bool) -> str:
    """A step as bash sees it: Cloud Build first turns `$$` into `$` (and `${_X}` into its value)."""
    return "#!/usr/bin/env bash\n" + (step.replace("$$", "$") if cloud_build else step)


STEPS = [(relative, n, step) for relative in (*CLOUD_BUILD, *WORKFLOWS) for n, step in enumerate(shell_steps(relative))]


@pytest.mark.parametrize(("relative", "n", "step"), STEPS, ids=[f"{r}#{n}" for r, n, _ in STEPS])
def test_ci_shell_steps_are_shellcheck_clean(relative: str, n: int, step: str) -> None:
    assert "${{" not in step, f"{relative}: pass GitHub expressions through env:, not into the script"
    result = run(tool("shellcheck"), "-", stdin=as_bash(step, relative in CLOUD_BUILD))
    assert result.returncode == 0, f"{relative} step {n}:\n{result.stdout}"


def test_shellcheck_finds_a_known_bug() -> None:
    result = run(tool("shellcheck"), "-", stdin="#!/usr/bin/env bash\nfor f in $(ls *.md); do echo $f; done\n")
    assert result.returncode == 1 and "SC2045" in result.stdout


def dockerfiles() -> list[Path]:
    return repository_files("Dockerfile") + repository_files("*.Dockerfile")


@pytest.mark.parametrize("dockerfile", dockerfiles(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_dockerfiles_are_hadolint_clean_or_waived(dockerfile: Path) -> None:
    relative = dockerfile.relative_to(REPO).as_posix()
    result = run(tool("hadolint"), "--format", "json", "--no-fail", str(dockerfile))
    found = {(relative, finding["code"]) for finding in json.loads(result.stdout)}
    assert found == {key for key in HADOLINT_WAIVERS if key[0] == relative}, found


def test_hadolint_finds_a_known_bug(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:latest\nRUN curl -s https://x | sh\n")
    result = run(tool("hadolint"), "--format", "json", "--no-fail", str(tmp_path / "Dockerfile"))
    assert {"DL3007", "DL4006"} <= {finding["code"] for finding in json.loads(result.stdout)}
