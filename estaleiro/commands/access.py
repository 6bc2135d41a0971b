"""`estaleiro access STACK`: who may do what in a stack, and every permission missing or held for nothing."""

from __future__ import annotations

from pathlib import Path

from estaleiro.access.judge import Access, judge
from estaleiro.access.model import build
from estaleiro.access.render import Format, render
from estaleiro.config.environment import load_stack_config
from estaleiro.findings import Finding
from estaleiro.output import emit
from estaleiro.plan.model import Plan
from estaleiro.plan.run import plan_trees
from estaleiro.waivers import load_waivers


def access(root: Path, stack: str, fmt: Format, out: Path | None) -> int:
    """Exit 1 when a permission is missing or a grant is held for nothing and not waived."""
    project = load_stack_config(root, stack).project
    judged = judge_plan(root, plan_trees([(root, stack)])[0], project)
    findings = load_waivers(root).apply(judged.findings)
    emit(render(judged, findings, fmt), out)
    return 1 if any(f.fails for f in findings) else 0


def judge_plan(root: Path, plan: Plan, project: str) -> Access:
    return judge(build(plan, project), root)


def access_findings(root: Path, plan: Plan, project: str) -> list[Finding]:
    """What `estaleiro check` reports of a stack's access (before waivers)."""
    return list(judge_plan(root, plan, project).findings)
