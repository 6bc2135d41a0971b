"""`estaleiro check [STACK ...] [--base REF]`: the one command a pull request runs.

Manifests and model cards are validated, the promotion rules judge each stack against the
base (the merge base with `--base`, else `HEAD`) in a worker process, and checkov judges each
stack's plan (converted to a Terraform plan) plus the Dockerfiles, CI workflows and the whole
tree for secrets; each plan's grants are judged against what each identity needs (`estaleiro
access`). With `--base`, the rules, the gate's code and the waivers are the base's (a pull
request cannot rewrite what judges it), and governance changes are judged apart from serving ones.
Exit 0 pass (notices included), 1 violations, 2 invalid input.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from estaleiro.checkov.runner import StackPlan, scan
from estaleiro.checkov.tfplan import to_terraform_plan
from estaleiro.commands.access import access_findings
from estaleiro.config.environment import Environment, load_environment
from estaleiro.config.pipelines import kfp_problems
from estaleiro.errors import InvalidInput, Problem
from estaleiro.findings import Finding, Judged
from estaleiro.gate.run import base_tree, judge
from estaleiro.output import emit
from estaleiro.plan.run import plan_trees
from estaleiro.progress import progress
from estaleiro.report import ReportFormat, as_findings, render
from estaleiro.stacks import all_stacks, changed_stacks
from estaleiro.waivers import load_waivers


def check(root: Path, stacks: list[str], base: str | None, fmt: ReportFormat, out: Path | None) -> int:
    names = stacks or (changed_stacks(root, base) if base else all_stacks(root))
    envs, problems = _load(root, names)
    with base_tree(root, base) as tree:
        rules = tree.path if tree.judges and tree.path else root
        waivers = load_waivers(rules)
        promotion = judge(root, [env.name for env in envs], tree)
        checkov, access = _checkov_judged(root, envs, rules)
    judged = [replace(j, failures=tuple(waivers.apply(j.failures))) for j in checkov]
    findings = [*waivers.apply(promotion), *waivers.apply(access), *(f for j in judged for f in j.failures)]
    emit(render([*as_findings(problems), *findings], fmt, names, judged), out)
    if problems:
        return InvalidInput.exit_code
    return 1 if any(f.fails for f in findings) else 0


def _load(root: Path, names: list[str]) -> tuple[list[Environment], list[Problem]]:
    envs: list[Environment] = []
    problems: list[Problem] = []
    for name in names:
        try:
            envs.append(load_environment(root, name))
        except InvalidInput as err:
            problems.extend(err.problems)
    used = {name: pipeline for env in envs for name, pipeline in env.pipelines.items()}
    return envs, [*problems, *kfp_problems(root, used)]


def _checkov_judged(root: Path, envs: list[Environment], rules: Path) -> tuple[list[Judged], list[Finding]]:
    """Each stack's plan as a Terraform plan, and the repository's files, judged by checkov with `rules`' checks;
    the plans' access."""
    with progress(f"planning {', '.join(env.name for env in envs)}") as step:
        plans = plan_trees([(root, env.name) for env in envs])
        step("checkov: judging the plans and the repository's files")
        stacks = [
            StackPlan(env.name, env.config_file, to_terraform_plan(plan)) for env, plan in zip(envs, plans, strict=True)
        ]
        access = [
            f for env, plan in zip(envs, plans, strict=True) for f in access_findings(root, plan, env.config.project)
        ]
        return scan(root, stacks, rules), access
