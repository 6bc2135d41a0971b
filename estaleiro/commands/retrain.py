"""`estaleiro retrain INCIDENT --in STACK --local`: an alert's incident given to the retraining function, here.

INCIDENT is what Cloud Monitoring publishes to the stack's alerts topic (schema 1.2, as
functions/retrain/main.py reads it; `estaleiro pipeline run model-quality --local` writes one
when quality declines). It is wrapped as Eventarc delivers a Pub/Sub message and handed to the
function's own `deliver`, with the settings Pulumi writes into the function's settings object
(built from the schedules' values) and a client of a PipelineService on this machine, which runs the job the
function starts with kfp.local, as `estaleiro pipeline run --local` does.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from estaleiro.config.environment import Environment, load_environment
from estaleiro.errors import InvalidInput, Problem
from estaleiro.layout import display
from estaleiro.naming import global_name
from estaleiro.training.schedule import FUNCTION_SOURCE, PUBLISHED, derived_retrain_config


def retrain(root: Path, incident: Path, stack: str) -> int:
    from estaleiro.commands.pipeline import summary
    from estaleiro.pipelines.local import RUNS, report_to_stderr
    from estaleiro.pipelines.local_service import LocalPipelineService

    env = load_environment(root, stack)
    function = _function(root)
    raw = _read(incident)
    try:
        function.parse(raw)
    except function.Malformed as problem:
        path, _, message = str(problem).partition(": ")
        raise InvalidInput([Problem(str(incident), path, message)]) from None
    settings = function.Settings.from_json(derived_retrain_config(env))
    service = LocalPipelineService(root, report_to_stderr)
    service.start()
    try:
        decision = _deliver(function, service.address, settings, _event(env, raw))
        click.echo(f"decision: {decision.reason}")
        if decision.started is None:
            return 1
        job_id = decision.started.rsplit("/", 1)[1]
        click.echo(f"{job_id}: outputs in {display(root, root / RUNS / job_id)}", err=True)
        outcome = service.wait(decision.started)
    finally:
        service.stop()
    return summary(root, outcome.folder, outcome.log, outcome.failure if not outcome.succeeded else "")


def _function(root: Path) -> ModuleType:
    """functions/retrain/main.py of this repository, the code the stack deploys."""
    path = root / FUNCTION_SOURCE / "main.py"
    if not path.is_file():
        raise InvalidInput([Problem(display(root, path), "", "does not exist: the retraining function's source")])
    spec = importlib.util.spec_from_file_location("retrain_function", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _read(incident: Path) -> bytes:
    try:
        return incident.read_bytes()
    except OSError as error:
        raise InvalidInput([Problem(str(incident), "", f"cannot read it: {error.strerror}")]) from None


def _event(env: Environment, data: bytes) -> Any:
    """The message as Eventarc delivers it: a CloudEvent whose data holds the incident in base64 `message.data`."""
    from cloudevents.http import CloudEvent

    topic = f"projects/{env.config.project}/topics/{global_name(env.config, env.name, 'alerts')}"
    message_id = hashlib.sha256(data).hexdigest()[:16]  # Pub/Sub keeps a message's id when it delivers it again
    attributes = {"type": PUBLISHED, "source": f"//pubsub.googleapis.com/{topic}", "id": message_id}
    message = {"data": base64.b64encode(data).decode(), "messageId": message_id}
    return CloudEvent(attributes, {"message": message, "subscription": f"{topic}-retrain"})


def _deliver(function: ModuleType, address: str, settings: Any, event: Any) -> Any:
    """The function's decision, its client on a channel to the local PipelineService."""
    import grpc
    from google.cloud import aiplatform_v1 as v1
    from google.cloud.aiplatform_v1.services.pipeline_service.transports.grpc import PipelineServiceGrpcTransport

    with grpc.insecure_channel(address) as channel:
        client = v1.PipelineServiceClient(transport=PipelineServiceGrpcTransport(channel=channel))
        return function.deliver(event, settings, client, datetime.now(UTC))
