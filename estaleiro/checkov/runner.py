"""checkov as a tool of its own (`.tools/checkov`), run offline and quietly, answers as Findings.

Two scans, run side by side: the stacks' plans (framework `terraform_plan`), and the
repository's files (Dockerfiles, GitHub Actions workflows, secrets). checkov has no
framework for Cloud Build configs; `tests/ci` checks those. A plan scan that judged no
resource is an error, never a pass: checkov reports zero findings for a file it could not read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from estaleiro.errors import EstaleiroError, MissingTool
from estaleiro.findings import Finding

CHECKOV = ".tools/checkov/bin/checkov"
OFFLINE = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LOG_LEVEL": "ERROR"}
CUSTOM_CHECKS = "policies/checkov"
FILE_FRAMEWORKS = ("dockerfile", "github_actions", "secrets")
# Regular expressions on paths (checkov's --skip-path); `\.git/` so that `.github/` is still scanned.
NOT_SCANNED = (r"\.venv", r"\.tools", r"\.git/", "node_modules")


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


def checkov_command(root: Path, target: Path, frameworks: tuple[str, ...], skip: tuple[str, ...] = ()) -> list[str]:
    command = [
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
        str(root / CUSTOM_CHECKS),
    ]
    for path in skip:
        command += ["--skip-path", path]
    return command


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


def findings_of(report: Mapping[str, Any], file_of: Mapping[str, str] | None = None) -> list[Finding]:
    """Failed checks of one report; `file_of` maps checkov's file path to the repository file it stands for."""
    found = []
    for check in report["results"].get("failed_checks", []):
        path = check["file_path"].lstrip("/")
        found.append(
            Finding(
                file=(file_of or {}).get(path, path),
                rule=check["check_id"],
                message=check["check_name"],
                source="checkov",
                resource=check["resource"],
            )
        )
    return found


def judged_files(report: Mapping[str, Any]) -> set[str]:
    """Files with at least one verdict; a skipped check still means checkov read the resource."""
    results = report["results"]
    verdicts = ("passed_checks", "failed_checks", "skipped_checks")
    return {c["file_path"].lstrip("/") for key in verdicts for c in results.get(key, [])}


def scan(root: Path, plans_dir: Path, plan_files: Mapping[str, str]) -> list[Finding]:
    """Scan the Terraform plans in `plans_dir` (file name -> the stack file it stands for) and the repository."""
    plan_scan = start(checkov_command(root, plans_dir, ("terraform_plan",)))
    file_scan = start(checkov_command(root, root, FILE_FRAMEWORKS, NOT_SCANNED))
    plan_reports, file_reports = reports(plan_scan), reports(file_scan)
    judged = set().union(*(judged_files(r) for r in plan_reports))
    unjudged = sorted(set(plan_files) - judged)
    if unjudged:
        raise EstaleiroError(
            f"checkov judged no resource in {', '.join(plan_files[f] for f in unjudged)}: refusing to call that a pass"
        )
    return [f for r in plan_reports for f in findings_of(r, plan_files)] + [
        f for r in file_reports for f in findings_of(r)
    ]
