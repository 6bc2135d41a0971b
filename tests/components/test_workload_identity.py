"""Workload Identity Federation admits the deploy workflow's push runs on main, and nothing else.

The provider's attribute condition is CEL (https://cloud.google.com/iam/docs/workload-identity-federation#conditions):
it is evaluated here with cel-python against claim sets shaped as GitHub issues them. The claims and
their values are those of "About security hardening with OpenID Connect" (GitHub Docs, "Understanding
the OIDC token": `sub`, `ref`, `event_name`, `workflow_ref` = `OWNER/REPO/.github/workflows/FILE@REF`).
"""

from __future__ import annotations

from typing import Any

import celpy
import pytest
import yaml
from celpy.adapter import json_to_cel

from estaleiro.plan.model import Plan, PlannedResource
from tests.components.conftest import REPO

PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
REPOSITORY = "acme/estaleiro"  # both stacks' estaleiro:ciRepository


def provider(plan: Plan) -> PlannedResource:
    [found] = plan.of_type(PROVIDER)
    return found


def claims(stack: str, **changed: str) -> dict[str, Any]:
    """A deploy job's token as GitHub mints it for a push to main running deploy.yml in the stack's environment."""
    token = {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "https://github.com/acme",
        "sub": f"repo:{REPOSITORY}:environment:{stack}",
        "environment": stack,
        "ref": "refs/heads/main",
        "ref_type": "branch",
        "sha": "c040cae0f0dc81641728557b80f09cfa23b83fe5",
        "repository": REPOSITORY,
        "repository_owner": "acme",
        "repository_visibility": "private",
        "actor": "octocat",
        "workflow": "deploy",
        "head_ref": "",
        "base_ref": "",
        "event_name": "push",
        "workflow_ref": f"{REPOSITORY}/.github/workflows/deploy.yml@refs/heads/main",
        "job_workflow_ref": f"{REPOSITORY}/.github/workflows/deploy.yml@refs/heads/main",
        "runner_environment": "github-hosted",
    }
    return {**token, **changed}


def admits(plan: Plan, token: dict[str, Any]) -> bool:
    """The provider's condition on this token, as STS evaluates it: `assertion` is the token's claims."""
    inputs = provider(plan).inputs
    env = celpy.Environment()
    program = env.program(env.compile(inputs["attributeCondition"]))
    attributes = {
        key.removeprefix("attribute."): env.program(env.compile(expression)).evaluate({"assertion": json_to_cel(token)})
        for key, expression in inputs["attributeMapping"].items()
        if key.startswith("attribute.")
    }
    activation = {"assertion": json_to_cel(token), "attribute": json_to_cel(attributes)}
    return bool(program.evaluate(activation))


def test_a_push_to_main_running_the_deploy_workflow_is_admitted(plan: Plan) -> None:
    assert admits(plan, claims(plan.stack))


@pytest.mark.parametrize(
    ("why", "changed"),
    [
        (
            "a pull request (its ref is the merge ref, its event pull_request)",
            {"event_name": "pull_request", "ref": "refs/pull/7/merge", "head_ref": "topic", "base_ref": "main"},
        ),
        ("a pull_request event even on main's ref", {"event_name": "pull_request"}),
        ("pull_request_target, which runs main's workflow for a fork", {"event_name": "pull_request_target"}),
        ("a manual dispatch of deploy.yml on main", {"event_name": "workflow_dispatch"}),
        (
            "a push to another branch",
            {"ref": "refs/heads/topic", "workflow_ref": f"{REPOSITORY}/.github/workflows/deploy.yml@refs/heads/topic"},
        ),
        ("a tag push", {"ref": "refs/tags/v1", "ref_type": "tag"}),
        ("another workflow on main", {"workflow_ref": f"{REPOSITORY}/.github/workflows/pr.yml@refs/heads/main"}),
        (
            "deploy.yml taken from another ref",
            {"workflow_ref": f"{REPOSITORY}/.github/workflows/deploy.yml@refs/heads/topic"},
        ),
        (
            "another repository's deploy.yml",
            {
                "repository": "evil/estaleiro",
                "sub": "repo:evil/estaleiro:environment:dev",
                "workflow_ref": "evil/estaleiro/.github/workflows/deploy.yml@refs/heads/main",
            },
        ),
        ("another repository claiming this one's workflow", {"repository": "evil/estaleiro"}),
    ],
)
def test_everything_else_is_refused(plan: Plan, why: str, changed: dict[str, str]) -> None:
    assert not admits(plan, claims(plan.stack, **changed)), why


def test_another_stacks_environment_is_refused(dev: Plan, prod: Plan) -> None:
    assert not admits(prod, claims("dev"))
    assert not admits(dev, claims("prod"))


def test_the_claims_the_condition_reads_are_mapped(plan: Plan) -> None:
    mapping = provider(plan).inputs["attributeMapping"]
    for claim in ("repository", "ref", "event_name", "workflow_ref"):
        assert mapping[f"attribute.{claim}"] == f"assertion.{claim}"


def test_the_workflow_admitted_is_the_one_that_deploys_on_push_to_main() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/deploy.yml").read_text())
    # PyYAML reads the key `on` as True (YAML 1.1 boolean).
    assert workflow[True] == {"push": {"branches": ["main"]}}
    assert workflow["jobs"]["deploy"]["environment"] == "${{ matrix.stack }}"
