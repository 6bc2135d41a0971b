"""Retraining that starts by itself: an alert incident on the stack's alerts topic submits one continuous-training run.

Cloud Monitoring publishes every incident of a policy that notifies the Pub/Sub channel as a JSON
document, schema version 1.2 (https://cloud.google.com/monitoring/support/notification-options,
"Schema structure"). Fields read here: `version`, `incident.incident_id`, `incident.state`
("open" | "closed"), `incident.condition_name` (the condition's display name) and
`incident.policy_user_labels` (the policy's user labels: `model`, `env`, and `retrain`, the first
word of the display names of the conditions that ask for retraining, e.g. "drift").

The run is the one the model's schedule submits (same template version, parameters, account, key:
Pulumi writes it into the settings object from the very values the schedule uses), so a retraining
proposes the same kind of pull request. It is started at most once per incident (the job id is
derived from the incident id; Vertex answers ALREADY_EXISTS to a second create with that id) and
at most once per `retrainEveryHours` per model (decided by listing the model's recent runs, so
the function keeps no state). A malformed message is logged and acknowledged: retrying it cannot
make it readable. Errors of the API itself are raised, so Pub/Sub delivers the message again.

The settings (every trained model's run) grow by about 2.7 KB a model, past the 32 KiB Cloud Run
allows for all of a function's environment variables together
(https://cloud.google.com/run/docs/configuring/services/overview-environment-variables, "Size
limits of variables for functions") at about 12 models. So Pulumi writes them to a Cloud Storage
object and the function's one variable names that object's version, read once per instance.

`deliver` is the whole function given its settings and client: the entry point `retrain` gives it
the deployed ones, `estaleiro retrain --local` a PipelineService on this machine.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import functions_framework
from cloudevents.http import CloudEvent
from google.api_core.exceptions import AlreadyExists
from google.cloud import aiplatform_v1 as v1
from google.cloud import storage

CONFIG = "RETRAIN_CONFIG_OBJECT"  # gs://<bucket>/<object>#<generation>: the settings' object, one version of it
# gsutil's spelling of one version of an object (https://cloud.google.com/storage/docs/object-versioning).
OBJECT_VERSION = re.compile(r"gs://([^/]+)/(.+)#([0-9]+)")
STARTED_BY = {"started-by": "alert"}  # tells a retraining apart from a scheduled run in the console
HOUR = timedelta(hours=1)
log = logging.getLogger("retrain")


class Malformed(ValueError):
    """A message that is no Cloud Monitoring incident: it names the key path and the problem."""


@dataclass(frozen=True)
class Incident:
    incident_id: str
    state: str
    condition: str
    labels: Mapping[str, str]

    @property
    def model(self) -> str:
        return self.labels.get("model", "")

    @property
    def asks_for_retraining(self) -> bool:
        """The policy's `retrain` label names the first word of its retraining conditions' display names."""
        kind = self.labels.get("retrain", "")
        return bool(kind) and self.condition.lower().split(" ", 1)[0] == kind


@dataclass(frozen=True)
class Trained:
    """A model's continuous-training run as its schedule submits it, and how often an alert may start one."""

    pipeline_job: v1.PipelineJob
    every: timedelta


@dataclass(frozen=True)
class Settings:
    parent: str  # projects/<project>/locations/<region>
    stack: str
    models: Mapping[str, Trained]

    @classmethod
    def from_json(cls, text: str) -> Settings:
        document = json.loads(text)
        return cls(
            parent=document["parent"],
            stack=document["stack"],
            models={
                name: Trained(
                    pipeline_job=v1.PipelineJob.from_json(json.dumps(model["pipelineJob"])),
                    every=timedelta(hours=model["retrainEveryHours"]),
                )
                for name, model in document["models"].items()
            },
        )


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: json.loads would keep the last of two silently."""
    document = dict(pairs)
    if len(document) != len(pairs):
        twice = next(key for index, (key, _) in enumerate(pairs) if key in dict(pairs[:index]))
        raise Malformed(f"data: key {twice!r} written twice; JSON would keep only the last")
    return document


def parse(data: bytes) -> Incident:
    """The incident in a Pub/Sub message's data (UTF-8 JSON, schema 1.x), or Malformed naming the key."""
    try:
        document = json.loads(data, object_pairs_hook=_object)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Malformed(f"data: not JSON ({error})") from None
    except RecursionError:
        raise Malformed("data: nested too deeply to be an incident") from None
    if not isinstance(document, dict):
        raise Malformed("data: expected a JSON object")
    version = document.get("version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise Malformed(f"version: got {version!r}, expected schema 1.x such as '1.2'")
    incident = document.get("incident")
    if not isinstance(incident, dict):
        raise Malformed("incident: missing or not an object")
    fields = {key: incident.get(key) for key in ("incident_id", "state", "condition_name")}
    for key, value in fields.items():
        if not isinstance(value, str) or not value:
            raise Malformed(f"incident.{key}: got {value!r}, expected a non-empty string")
    labels = incident.get("policy_user_labels") or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise Malformed("incident.policy_user_labels: expected an object of strings")
    return Incident(str(fields["incident_id"]), str(fields["state"]), str(fields["condition_name"]), labels)


def job_id(model: str, incident_id: str) -> str:
    """One id per incident, valid as a PipelineJob id (< 128 of [a-z0-9-]); incident ids hold dots."""
    return f"{model}-retrain-{hashlib.sha256(incident_id.encode()).hexdigest()[:16]}"


def recent_runs(client: v1.PipelineServiceClient, settings: Settings, model: str, since: datetime) -> list[str]:
    """The model's runs in this stack created since `since`, scheduled or started by an alert."""
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = f'labels.model="{model}" AND labels.env="{settings.stack}" AND create_time>="{stamp}"'
    jobs = client.list_pipeline_jobs(request=v1.ListPipelineJobsRequest(parent=settings.parent, filter=query))
    return [job.name for job in jobs]


@dataclass(frozen=True)
class Decision:
    """What the function did with an incident: the run it started, or why it started none."""

    started: str | None  # the job's resource name
    reason: str
    level: int = logging.INFO  # how loud the log says it


def handle(incident: Incident, settings: Settings, client: v1.PipelineServiceClient, now: datetime) -> Decision:
    """Submit the model's continuous-training run for an open retraining incident."""
    decision = _decide(incident, settings, client, now)
    log.log(decision.level, "incident %s (model %r): %s", incident.incident_id, incident.model, decision.reason)
    return decision


def _decide(incident: Incident, settings: Settings, client: v1.PipelineServiceClient, now: datetime) -> Decision:
    if incident.state != "open":
        return Decision(None, f"the incident is {incident.state}: nothing to start")
    if not incident.asks_for_retraining:
        kind = incident.labels.get("retrain")
        policy = f"the policy retrains on {kind!r} conditions" if kind else "the policy has no retrain label"
        condition = f"condition {incident.condition!r} is no retraining condition ({policy})"
        return Decision(None, f"{condition}: nothing to start")
    trained = settings.models.get(incident.model)
    if trained is None or incident.labels.get("env") != settings.stack:
        unknown = f"stack {settings.stack} does not train {incident.model!r}"
        return Decision(None, f"{unknown}: nothing started", logging.WARNING)
    recent = recent_runs(client, settings, incident.model, now - trained.every)
    if recent:
        return Decision(None, f"{recent[0]} ran within {trained.every / HOUR:g} h (the rate limit): nothing started")
    job = v1.PipelineJob(trained.pipeline_job)
    job.labels.update(STARTED_BY)
    pipeline_job_id = job_id(incident.model, incident.incident_id)
    try:
        created = client.create_pipeline_job(parent=settings.parent, pipeline_job=job, pipeline_job_id=pipeline_job_id)
    except AlreadyExists:
        return Decision(None, f"run {pipeline_job_id} exists already (message delivered again): nothing started")
    return Decision(str(created.name), f"started {created.name}")


def read_settings(client: storage.Client, uri: str) -> Settings:
    """The settings in the object version `uri` names: exactly what Pulumi wrote, even if the object moved on."""
    match = OBJECT_VERSION.fullmatch(uri)
    if match is None:
        raise ValueError(f"{CONFIG}: got {uri!r}, expected gs://<bucket>/<object>#<generation>")
    bucket, name, generation = match.groups()
    blob = client.bucket(bucket).blob(name, generation=int(generation))
    return Settings.from_json(blob.download_as_text(encoding="utf-8"))


@cache
def storage_client() -> storage.Client:
    return storage.Client()


@cache
def settings() -> Settings:
    return read_settings(storage_client(), os.environ[CONFIG])


@cache
def pipeline_service(parent: str) -> v1.PipelineServiceClient:
    region = parent.split("/")[3]
    return v1.PipelineServiceClient(client_options={"api_endpoint": f"{region}-aiplatform.googleapis.com"})


def deliver(event: CloudEvent, settings: Settings, client: v1.PipelineServiceClient, now: datetime) -> Decision:
    """A Pub/Sub CloudEvent (google.cloud.pubsub.topic.v1.messagePublished) handled with these settings and client."""
    data: Any = event.data
    try:
        message = data.get("message") if isinstance(data, dict) else None
        message = message.get("data") if isinstance(message, dict) else None
        if not isinstance(message, str):
            raise Malformed("message.data: missing, expected the incident as base64")
        try:
            raw = base64.b64decode(message, validate=True)
        except binascii.Error as error:
            raise Malformed(f"message.data: not base64 ({error})") from None
        incident = parse(raw)
    except Malformed as problem:
        log.error("event %s: acknowledged without action, not an incident: %s", event["id"], problem)
        return Decision(None, f"not an incident: {problem}", logging.ERROR)
    return handle(incident, settings, client, now)


@functions_framework.cloud_event
def retrain(event: CloudEvent) -> None:
    """Entry point: the deployed function's settings (read once per instance) and Vertex AI's PipelineService."""
    config = settings()
    deliver(event, config, pipeline_service(config.parent), datetime.now(UTC))
