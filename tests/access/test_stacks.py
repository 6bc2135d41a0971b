"""`estaleiro access` of this repository's stacks: every need met, every grant needed or waived."""

from __future__ import annotations

import pytest

from estaleiro.access.judge import MISSING, UNKNOWN_ROLE, UNMODELLED, judge
from estaleiro.access.model import build
from estaleiro.access.needs import DEPLOYER_TYPES
from estaleiro.plan.model import Plan
from estaleiro.waivers import load_waivers
from tests.access.conftest import STACKS
from tests.conftest import REPO


def _judged(plans: dict[str, Plan], projects: dict[str, str], stack: str):  # type: ignore[no-untyped-def]
    return judge(build(plans[stack], projects[stack]), REPO)


@pytest.mark.parametrize("stack", STACKS)
def test_every_role_granted_and_every_type_declared_is_modelled(plans, projects, stack: str) -> None:
    findings = _judged(plans, projects, stack).findings
    assert [f.message for f in findings if f.rule in (UNKNOWN_ROLE, UNMODELLED)] == []
    declared = {r.type for r in plans[stack].resources if r.custom and not r.type.startswith("pulumi:")}
    assert declared <= DEPLOYER_TYPES.keys()


@pytest.mark.parametrize("stack", STACKS)
def test_the_deployer_may_do_what_pulumi_up_does_in_its_project(plans, projects, stack: str) -> None:
    """Cloud Functions, Eventarc, Cloud Run IAM, Pub/Sub, BigQuery and custom roles included (issue 18)."""
    access = _judged(plans, projects, stack)
    missing = [f"{n.permission} on {n.scope}" for n in access.missing if n.identity == "ci-deployer"]
    assert missing == []


def test_the_continuous_training_runs_may_read_the_github_token_they_push_with(plans, projects) -> None:
    access = _judged(plans, projects, "dev")
    token = [n for n in access.needs if n.identity == "pipeline-runner" and n.permission.startswith("secretmanager.")]
    assert [str(n.scope) for n in token] == ["secret github-token (acme-ml-dev)"]
    assert [n for n in access.missing if n in token] == []


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_has_an_unwaived_access_finding(plans, projects, stack: str) -> None:
    findings = load_waivers(REPO).apply(_judged(plans, projects, stack).findings)
    assert [f"{f.rule} {f.resource}" for f in findings if f.fails] == []


def test_what_remains_missing_is_waived_and_names_issue_18(plans, projects) -> None:
    waived = [f for stack in STACKS for f in load_waivers(REPO).apply(_judged(plans, projects, stack).findings)]
    assert all("issue 18" in f.waived_reason for f in waived if f.rule == MISSING)
