"""The plans of this repository's own stacks, planned once for the access tests."""

from __future__ import annotations

import pytest

from estaleiro.config.environment import load_stack_config
from estaleiro.plan.model import Plan
from estaleiro.plan.run import plan_trees
from tests.conftest import REPO

STACKS = ("dev", "prod")


@pytest.fixture(scope="session")
def plans() -> dict[str, Plan]:
    return dict(zip(STACKS, plan_trees([(REPO, stack) for stack in STACKS]), strict=True))


@pytest.fixture(scope="session")
def projects() -> dict[str, str]:
    return {stack: load_stack_config(REPO, stack).project for stack in STACKS}
