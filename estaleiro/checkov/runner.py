"""checkov as a tool of its own (`.tools/checkov`), run offline and quietly, answers as Findings.

Two scans, run side by side: the stacks' plans (framework `terraform_plan`), and the
repository's files (Dockerfiles, GitHub Actions workflows, secrets). checkov has no
framework for Cloud Build configs; `tests/ci` checks those. A plan scan that judged no
resource is an error, never a pass: checkov reports zero findings for a file it could not read.
What was judged is counted as checkov's summary counts it: per stack, and per file framework.

The file scan reads a copy of the repository holding only what Estaleiro's own reader accepts:
regular files (no FIFO, device or link, which could hang checkov or lead it outside), and YAML
only when it is a valid data file (checkov's secrets scan expands an alias bomb: gigabytes).
A file left out is one the loader already reports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estaleiro.checkov.tfplan import TerraformPlan
from estaleiro.config.data_file import read_document
from estaleiro.errors import EstaleiroError, InvalidInput, MissingTool
from estaleiro.findings import Finding, Judged

CHECKOV = ".tools/checkov/bin/checkov"
OFFLINE = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LOG_LEVEL": "ERROR"}
CUSTOM_CHECKS = "policies/checkov"
FILE_FRAMEWORKS = ("dockerfile", "github_actions", "secrets")
NOT_SCANNED = frozenset({".venv", ".tools", ".git", "node_modules"})  # folders, by name
YAML = (".yaml", ".yml")


def checkov_binary(root: Path) -> Path:
    """The repository's own checkov, else the one installed beside this Estaleiro, else PATH's."""
    installed_with = Path(__file__).resolve().parents[2]
    for candidate in (root / CHECKOV, installed_with / CHECKOV):
        if candidate.is_file():
            return candidate
    found = shutil.which("checkov")
    if found is None:
        raise MissingTool(f"checkov is not installed at {CHECKOV}: run scripts/install")
    return Path(found)


def checkov_command(root: Path, target: Path, frameworks: tuple[str, ...], rules: Path) -> list[str]:
    """checkov on `target`, with the custom checks of the tree `rules` (with `check --base`, the base's)."""
    return [
        str(checkov_binary(root)),
        "-d",
        str(target),
        "--framework",
        *frameworks,
        "-o",
        "json",
        "--compact",
        "--skip-download",
        "--enable-secret-scan-all-files",
        "--external-checks-dir",
        str(rules / CUSTOM_CHECKS),
    ]


def start(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, env={**os.environ, **OFFLINE}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def reports(process: subprocess.Popen[str]) -> list[dict[str, Any]]:
    """checkov's JSON: one report object, or a list of them for several frameworks."""
    out, err = process.communicate()
    try:
        parsed = json.loads(out)
    except json.JSONDecodeError:
        raise EstaleiroError(f"checkov failed (exit {process.returncode}):\n{err.strip() or out.strip()}") from None
    return [r for r in (parsed if isinstance(parsed, list) else [parsed]) if isinstance(r, dict) and "results" in r]


@dataclass(frozen=True)
class StackPlan:
    """One stack's plan for checkov, and the stack file its findings point at."""

    stack: str
    config_file: str
    plan: TerraformPlan

    @property
    def file_name(self) -> str:
        return f"{self.stack}.tfplan.json"


def scan(root: Path, stacks: Sequence[StackPlan], rules: Path) -> list[Judged]:
    """Judge each stack's plan and the repository's files: one `Judged` per stack, then per file framework.

    The custom checks are `rules`' own: checkov imports them, so with `check --base` they are the
    base's, never Python the pull request brings."""
    with (
        tempfile.TemporaryDirectory(prefix="estaleiro-checkov-") as scratch,
        tempfile.TemporaryDirectory(prefix="estaleiro-checkov-files-") as files,
    ):
        for stack in stacks:
            Path(scratch, stack.file_name).write_text(json.dumps(stack.plan.document, indent=2), encoding="utf-8")
        plan_scan = start(checkov_command(root, Path(scratch), ("terraform_plan",), rules))
        copy_scanned_files(root, Path(files))
        file_scan = start(checkov_command(root, Path(files), FILE_FRAMEWORKS, rules))
        plan_checks = [check for report in reports(plan_scan) for check in _checks(report)]
        file_reports = reports(file_scan)
    judged = [_judged_plan(stack, [c for c in plan_checks if c.file == stack.file_name]) for stack in stacks]
    return judged + [_judged_files(report) for report in file_reports]


def copy_scanned_files(root: Path, into: Path) -> None:
    """Copy into `into` the repository's regular files, each YAML file only when it is a valid data file."""
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in NOT_SCANNED]
        for name in names:
            source = Path(folder, name)
            relative = source.relative_to(root)
            if source.is_symlink() or not source.is_file() or (name.endswith(YAML) and not _valid_yaml(source)):
                continue
            (into / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, into / relative)


def _valid_yaml(path: Path) -> bool:
    try:
        read_document(path, path.name)
    except InvalidInput:
        return False
    return True


@dataclass(frozen=True)
class _Check:
    verdict: str  # "passed", "failed" or "skipped", as checkov files them
    file: str  # checkov's file path, without its leading slash
    result: Mapping[str, Any]


def _checks(report: Mapping[str, Any]) -> list[_Check]:
    results = report["results"]
    return [
        _Check(verdict, check["file_path"].lstrip("/"), check)
        for verdict in ("passed", "failed", "skipped")
        for check in results.get(f"{verdict}_checks", [])
    ]


def _judged_plan(stack: StackPlan, checks: list[_Check]) -> Judged:
    if not checks:
        raise EstaleiroError(f"checkov judged no resource in {stack.config_file}: refusing to call that a pass")

    def failure(result: Mapping[str, Any]) -> Finding:
        planned = stack.plan.resources[result["resource"]]
        return _finding(result, stack.config_file, pulumi_name=planned.name, urn=planned.urn)

    return _judged(stack.stack, len(stack.plan.resources), checks, failure)


def _judged_files(report: Mapping[str, Any]) -> Judged:
    return _judged(
        f"files ({report['check_type']})",
        report["summary"]["resource_count"],
        _checks(report),
        lambda result: _finding(result, result["file_path"].lstrip("/")),
    )


def _judged(
    target: str, resources: int, checks: list[_Check], failure: Callable[[Mapping[str, Any]], Finding]
) -> Judged:
    return Judged(
        target=target,
        resources=resources,
        passed=sum(1 for c in checks if c.verdict == "passed"),
        skipped=sum(1 for c in checks if c.verdict == "skipped"),
        failures=tuple(failure(c.result) for c in checks if c.verdict == "failed"),
    )


def _finding(result: Mapping[str, Any], file: str, pulumi_name: str = "", urn: str = "") -> Finding:
    return Finding(
        file=file,
        rule=result["check_id"],
        message=result["check_name"],
        source="checkov",
        resource=result["resource"],
        pulumi_name=pulumi_name,
        urn=urn,
    )
