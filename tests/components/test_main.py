"""`__main__.py` end to end: the program `pulumi up` runs builds the Platform and exports its outputs."""

from __future__ import annotations

import re

import pytest

from estaleiro.plan.model import Plan
from tests.components.conftest import plan_main

EMAIL = r"{stack}-{role}@acme-ml-{stack}\.iam\.gserviceaccount\.com"


@pytest.fixture(scope="module", params=["dev", "prod"])
def program(request: pytest.FixtureRequest) -> Plan:
    return plan_main(request.param)


def test_the_program_builds_exactly_the_platform(program: Plan, request: pytest.FixtureRequest) -> None:
    platform: Plan = request.getfixturevalue(program.stack)
    assert [r.urn for r in program.resources] == [r.urn for r in platform.resources]
    [platform_component] = program.of_type("estaleiro:platform:Platform")
    assert platform_component.name == f"acme-ml-{program.stack}"


def test_exports_resolve_to_realistic_values(program: Plan) -> None:
    outputs, stack = program.outputs, program.stack
    assert (outputs["pipelineRootBucket"], outputs["modelsBucket"], outputs["accessLogsBucket"]) == (
        f"acme-ml-{stack}-pipeline-root",
        f"acme-ml-{stack}-models",
        f"acme-ml-{stack}-access-logs",
    )
    assert outputs["containerRepository"] == f"us-central1-docker.pkg.dev/acme-ml-{stack}/acme-ml-{stack}-containers"
    assert outputs["pipelineRepository"] == f"https://us-central1-kfp.pkg.dev/acme-ml-{stack}/acme-ml-{stack}-pipelines"
    accounts = outputs["serviceAccounts"]
    for key, role in {
        "pipelineRunner": "pipeline-runner",
        "modelServing": "model-serving",
        "monitoring": "monitoring",
        "ciDeployer": "ci-deployer",
        "prBuilder": "pr-builder",
    }.items():
        assert re.fullmatch(EMAIL.format(stack=stack, role=role), accounts[key]), key
    assert re.fullmatch(
        rf"projects/\d{{12}}/locations/global/workloadIdentityPools/{stack}-ci/providers/github",
        outputs["workloadIdentityProvider"],
    )
    assert outputs["kmsKeys"] == {
        purpose: f"projects/acme-ml-{stack}/locations/us-central1/keyRings/{stack}-keys/cryptoKeys/{purpose}"
        for purpose in ("storage", "artifacts", "vertex")
    }
    assert set(outputs["endpoints"]) == {"churn"}
    assert re.fullmatch(
        rf"projects/acme-ml-{stack}/locations/us-central1/endpoints/[1-9]\d{{8}}", outputs["endpoints"]["churn"]
    )
