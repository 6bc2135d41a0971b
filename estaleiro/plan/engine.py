"""Runs a Pulumi program under Pulumi's own mock engine and returns the graph it registered.

`preview=False` so every output resolves (under preview an unknown silently hides values).
Pulumi's runtime is process-global: one program at a time, and each run starts afresh.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime import resource, settings
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from estaleiro.plan.mocks import GcpMocks, RecordingMonitor, plain
from estaleiro.plan.model import Plan

PROJECT = "estaleiro"


def run_program(
    program: Callable[[], None],
    stack: str,
    gcp_project: str,
    gcp_region: str,
    config: Mapping[str, Any] | None = None,
) -> Plan:
    """Run `program` as stack `stack` of this Pulumi project, offline, and record its plan."""
    # A loop of its own: Pulumi's runtime awaits on "the current loop", which earlier asyncio users may have closed.
    asyncio.set_event_loop(asyncio.new_event_loop())
    mocks = GcpMocks(gcp_project, gcp_region)
    monitor = RecordingMonitor(mocks)
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config({key: _config_value(value) for key, value in (config or {}).items()})
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    # Pulumi walks the whole Python stack, source lines included, for every resource so that `pulumi up`
    # can say where it was declared; the mock monitor drops it, and it cost a tenth of a plan.
    capture_stack, resource._get_stack_trace = resource._get_stack_trace, source_pb2.StackTrace
    try:
        _sync_await(run_pulumi_func(program))
    finally:
        resource._get_stack_trace = capture_stack
    root = settings.get_root_resource()
    exported = getattr(root, "outputs", {})
    outputs = {key: plain(_sync_await(pulumi.Output.from_input(v).future())) for key, v in exported.items()}
    resources = tuple(sorted(monitor.recorded, key=lambda r: r.urn))
    return Plan(stack=stack, resources=resources, outputs=outputs)


def _config_value(value: Any) -> str:
    """Pulumi config values are strings; structured ones are JSON, as Pulumi itself stores them."""
    return value if isinstance(value, str) else json.dumps(value)
