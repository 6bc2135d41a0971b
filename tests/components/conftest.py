from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from estaleiro.config.environment import load_environment
from estaleiro.plan.engine import run_program
from estaleiro.plan.model import Plan

REPO = Path(__file__).resolve().parents[2]


def plan_stack(stack: str) -> Plan:
    """The repository's own program, under Pulumi's mock engine, as `estaleiro plan` runs it."""
    config = load_environment(REPO, stack).config

    def program() -> None:
        runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")

    return run_program(program, stack, config.project, config.region)


@pytest.fixture(scope="session")
def dev() -> Plan:
    return plan_stack("dev")


@pytest.fixture(scope="session")
def prod() -> Plan:
    return plan_stack("prod")
