"""The custom alert-policy checks judge the real policies of both stacks, not only their fixtures."""

from __future__ import annotations

import pytest

from estaleiro.checkov.tfplan import address_name, terraform_type
from estaleiro.plan.model import Plan
from tests.checkov.conftest import Verdicts, run_checkov
from tests.components.conftest import plan_platform

POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
LABELLED = (POLICY, "gcp:monitoring/notificationChannel:NotificationChannel")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: plan_platform(stack) for stack in ("dev", "prod")}


@pytest.fixture(scope="module")
def verdicts(plans: dict[str, Plan], tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    return run_checkov(plans, tmp_path_factory.mktemp("stacks"))


def addresses(plans: dict[str, Plan], *types: str) -> set[tuple[str, str]]:
    return {
        (stack, f"{terraform_type(r.type)}.{address_name(r.name)}")
        for stack, plan in plans.items()
        for r in plan.resources
        if r.type in types
    }


@pytest.mark.parametrize("check", ["CKV_EST_2", "CKV_EST_3"])
def test_every_alert_policy_has_a_channel_and_documentation(
    plans: dict[str, Plan], verdicts: Verdicts, check: str
) -> None:
    policies = addresses(plans, POLICY)
    assert {address.rsplit("_", 1)[-1] for _, address in policies} == {"health", "quality"}
    assert len(policies) == 4  # the model's health and accuracy-decline policies, in dev and prod
    assert verdicts[check]["passed"] == policies and verdicts[check]["failed"] == set()


def test_policies_and_channels_carry_the_required_labels(plans: dict[str, Plan], verdicts: Verdicts) -> None:
    labelled = addresses(plans, *LABELLED)
    assert labelled <= verdicts["CKV_EST_5"]["passed"]
    assert not labelled & verdicts["CKV_EST_5"]["failed"]
