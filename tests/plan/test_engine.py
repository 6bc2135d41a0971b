"""The offline engine leaves Pulumi's runtime as it found it, failure or not."""

from __future__ import annotations

import pulumi
import pytest
from pulumi.runtime import resource

from estaleiro.plan.engine import run_program


def test_stack_capture_is_skipped_only_while_the_program_runs() -> None:
    capture = resource._get_stack_trace

    def program() -> None:
        pulumi.ComponentResource("test:index:Thing", "thing")
        raise ValueError("the program failed")

    with pytest.raises(ValueError, match="the program failed"):
        run_program(program, "dev", "acme-ml-dev", "us-central1")
    assert resource._get_stack_trace is capture

    def thing() -> None:
        pulumi.ComponentResource("test:index:Thing", "thing")

    plan = run_program(thing, "dev", "acme-ml-dev", "us-central1")
    assert [r.name for r in plan.resources if r.type == "test:index:Thing"] == ["thing"]
    assert resource._get_stack_trace is capture
