"""Plans of the real example stacks, made once per session under Pulumi's mock engine."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from components.platform import Platform
from estaleiro.config.environment import load_environment
from estaleiro.plan.engine import run_program
from estaleiro.plan.model import Plan

REPO = Path(__file__).resolve().parents[2]


def plan_platform(stack: str) -> Plan:
    """The Platform component alone, built from the stack's files as `__main__.py` builds it."""
    env = load_environment(REPO, stack)

    def program() -> None:
        Platform(f"{env.config.prefix}-{env.name}", env)

    return run_program(program, stack, env.config.project, env.config.region)


def plan_main(stack: str) -> Plan:
    """The repository's own program, exports included, as `pulumi up` and `estaleiro plan` run it."""
    config = load_environment(REPO, stack).config

    def program() -> None:
        runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")

    return run_program(program, stack, config.project, config.region)


@pytest.fixture(scope="session")
def dev() -> Plan:
    return plan_platform("dev")


@pytest.fixture(scope="session")
def prod() -> Plan:
    return plan_platform("prod")


@pytest.fixture(params=["dev", "prod"])
def plan(request: pytest.FixtureRequest) -> Plan:
    """Each example stack in turn: dev (public serving, 90-day keys) and prod (private serving, 30-day keys)."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]
