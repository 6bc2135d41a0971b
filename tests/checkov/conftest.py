from __future__ import annotations

import json
import os
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from estaleiro.checkov.runner import OFFLINE, checkov_command
from estaleiro.plan.model import Plan

REPO = Path(__file__).resolve().parents[2]
# check id -> "passed" / "failed" -> {(plan file stem, resource address)}
Verdicts = dict[str, dict[str, set[tuple[str, str]]]]


def run_checkov(plans: dict[str, Plan], into: Path) -> Verdicts:
    """Real checkov (with our custom checks) over the plans: check id -> verdict -> {(file, address)}."""
    from estaleiro.checkov.tfplan import to_terraform_plan

    for name, plan in plans.items():
        (into / f"{name}.json").write_text(json.dumps(to_terraform_plan(plan).document))
    command = checkov_command(REPO, into, ("terraform_plan",), REPO)
    out = subprocess.run(command, env={**os.environ, **OFFLINE}, capture_output=True, text=True).stdout
    report: dict[str, Any] = json.loads(out)
    verdicts: Verdicts = defaultdict(lambda: defaultdict(set))
    for verdict in ("passed", "failed"):
        for check in report["results"].get(f"{verdict}_checks", []):
            verdicts[check["check_id"]][verdict].add((Path(check["file_path"]).stem, check["resource"]))
    return verdicts
