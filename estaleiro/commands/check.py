"""`estaleiro check [STACK ...] [--base REF]`: the one command a pull request runs.

Manifests and model cards are validated, the repository's promotion rules judge each stack
against the base (the merge base with `--base`, else `HEAD`) in a worker process, and
checkov judges each stack's plan (converted to a Terraform plan) plus the Dockerfiles, CI
workflows and the whole tree for secrets. Exit 0 pass, 1 violations, 2 invalid input.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from estaleiro.checkov.runner import scan
from estaleiro.checkov.tfplan import to_terraform_plan
from estaleiro.config.environment import Environment, load_environment
from estaleiro.errors import InvalidInput, Problem
from estaleiro.exceptions import load_exceptions
from estaleiro.findings import Finding
from estaleiro.gate.run import base_tree, judge
from estaleiro.output import emit
from estaleiro.plan.run import plan_trees
from estaleiro.report import ReportFormat, as_findings, render
from estaleiro.stacks import all_stacks, changed_stacks


def check(root: Path, stacks: list[str], base: str | None, fmt: ReportFormat, out: Path | None) -> int:
    exceptions = load_exceptions(root)
    names = stacks or (changed_stacks(root, base) if base else all_stacks(root))
    envs, problems = _load(root, names)
    findings = [*_promotion_findings(root, envs, base), *_checkov_findings(root, envs)]
    findings = exceptions.apply(findings)
    emit(render([*as_findings(problems), *findings], fmt, names), out)
    if problems:
        return InvalidInput.exit_code
    return 1 if any(not f.suppressed for f in findings) else 0


def _load(root: Path, names: list[str]) -> tuple[list[Environment], list[Problem]]:
    envs: list[Environment] = []
    problems: list[Problem] = []
    for name in names:
        try:
            envs.append(load_environment(root, name))
        except InvalidInput as err:
            problems.extend(err.problems)
    return envs, problems


def _promotion_findings(root: Path, envs: list[Environment], base: str | None) -> list[Finding]:
    """The rules of the repository being checked (its `policies/`), each stack against its base."""
    with base_tree(root, base) as tree:
        return judge(root, [env.name for env in envs], tree)


def _checkov_findings(root: Path, envs: list[Environment]) -> list[Finding]:
    """Each stack's plan as a Terraform plan, and the repository's files, judged by checkov."""
    plans = plan_trees([(root, env.name) for env in envs])
    with tempfile.TemporaryDirectory(prefix="estaleiro-check-") as scratch:
        files = {}
        for env, plan in zip(envs, plans, strict=True):
            name = f"{env.name}.tfplan.json"
            Path(scratch, name).write_text(json.dumps(to_terraform_plan(plan), indent=2), encoding="utf-8")
            files[name] = env.config_file
        return scan(root, Path(scratch), files)
