"""The retraining function, served by the functions framework as Cloud Run runs it, against the fake PipelineService.

Messages are what Cloud Monitoring publishes for an incident (schema 1.2,
https://cloud.google.com/monitoring/support/notification-options), wrapped as Eventarc delivers a
Pub/Sub message: a CloudEvent of type google.cloud.pubsub.topic.v1.messagePublished whose data
holds `message.data` in base64.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from functions_framework import create_app
from google.cloud import aiplatform_v1 as v1
from google.cloud import storage

from tests.functions.conftest import PARENT
from tests.functions.fake_pipeline_service import FakePipelineService
from tests.functions.fake_storage import FakeStorage

SOURCE = Path(__file__).parents[2] / "functions/retrain/main.py"
TEMPLATE = "https://us-central1-kfp.pkg.dev/acme-ml-dev/acme-ml-dev-pipelines/continuous-training/sha256:" + "ab" * 32
RUNNER = "acme-ml-dev-pipeline-runner@acme-ml-dev.iam.gserviceaccount.com"
SCHEDULED = {"model": "churn", "pipeline": "continuous-training", "env": "dev", "team": "ml-platform"}
DRIFT = "drift above 0.2: contract, plan"
POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
BUCKET, OBJECT = "acme-ml-dev-models", "functions/retrain-config.json"


def config(every_hours: int = 24) -> dict[str, Any]:
    """The settings object as components/ writes it: the run the schedule submits, per model."""
    job = v1.PipelineJob(
        display_name="churn-continuous-training",
        template_uri=TEMPLATE,
        service_account=RUNNER,
        labels=SCHEDULED,
        encryption_spec=v1.EncryptionSpec(
            kms_key_name="projects/acme-ml-dev-keys/locations/us-central1/keyRings/r/cryptoKeys/k"
        ),
        runtime_config=v1.PipelineJob.RuntimeConfig(
            gcs_output_directory="gs://acme-ml-dev-pipeline-root/churn",
            parameter_values={"data_uri": "bq://acme-ml-dev.churn.training_latest", "spec": '{"model": "churn"}'},
        ),
    )
    return {
        "parent": PARENT,
        "stack": "dev",
        "models": {"churn": {"retrainEveryHours": every_hours, "pipelineJob": json.loads(v1.PipelineJob.to_json(job))}},
    }


def incident(
    incident_id: str = "0.opqiw61fsv7p", state: str = "open", condition: str = DRIFT, **labels: str
) -> dict[str, Any]:
    """An incident as Cloud Monitoring publishes it (schema 1.2), with the policy's user labels."""
    user_labels = {"model": "churn", "env": "dev", "team": "ml-platform", "retrain": "drift", **labels}
    return {
        "version": "1.2",
        "incident": {
            "incident_id": incident_id,
            "scoping_project_id": "acme-ml-dev",
            "scoping_project_number": 412345678901,
            "url": f"https://console.cloud.google.com/monitoring/alerting/incidents/{incident_id}?project=acme-ml-dev",
            "started_at": 1795430400,
            "ended_at": None if state == "open" else 1795434000,
            "state": state,
            "summary": "Drift for churn is above the threshold of 0.2.",
            "policy_name": "dev/churn: model health",
            "policy_user_labels": {k: v for k, v in user_labels.items() if v},
            "condition_name": condition,
            "threshold_value": "0.2",
            "observed_value": "0.41",
        },
    }


Post = Callable[..., int]


@pytest.fixture
def post(
    fake: FakePipelineService,
    client: v1.PipelineServiceClient,
    storage_fake: FakeStorage,
    storage_client: storage.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., int]]:
    """Deliver a Pub/Sub message to the function as the framework serves it; the HTTP status it answers.

    Its settings are an object version in the Cloud Storage fake, named by its one environment variable.
    """
    apps: dict[int, FlaskClient] = {}

    def deliver(data: str | bytes | dict[str, Any] | None, every_hours: int = 24, event_id: str = "1") -> int:
        """`data`: the incident (a dict), raw message bytes, or a str sent as message.data unencoded."""
        if every_hours not in apps:
            generation = storage_fake.put(BUCKET, OBJECT, json.dumps(config(every_hours)).encode())
            monkeypatch.setenv("RETRAIN_CONFIG_OBJECT", f"gs://{BUCKET}/{OBJECT}#{generation}")
            monkeypatch.setattr(sys, "path", list(sys.path))  # create_app appends the source's folder
            monkeypatch.setitem(sys.modules, "main", sys.modules.get("main"))  # and registers `main`: undone after
            app = create_app(target="retrain", source=str(SOURCE), signature_type="cloudevent")
            monkeypatch.setattr(sys.modules["main"], "pipeline_service", lambda parent: client)
            monkeypatch.setattr(sys.modules["main"], "storage_client", lambda: storage_client)
            apps[every_hours] = app.test_client()
        raw = json.dumps(data).encode() if isinstance(data, dict) else data
        encoded = base64.b64encode(raw).decode() if isinstance(raw, bytes) else raw
        message = {"data": encoded} if encoded is not None else {}
        response = apps[every_hours].post(
            "/",
            json={
                "message": {**message, "messageId": event_id},
                "subscription": "projects/acme-ml-dev/subscriptions/s",
            },
            headers={
                "ce-id": event_id,
                "ce-source": "//pubsub.googleapis.com/projects/acme-ml-dev/topics/acme-ml-dev-alerts",
                "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
                "ce-specversion": "1.0",
            },
        )
        return int(response.status_code)

    yield deliver


def test_an_open_drift_incident_submits_the_schedules_run_once(post: Post, fake: FakePipelineService) -> None:
    assert post(incident()) == 200
    [job] = fake.jobs.values()
    assert job.name.startswith(f"{PARENT}/pipelineJobs/churn-retrain-")
    assert (job.template_uri, job.service_account) == (TEMPLATE, RUNNER)
    assert dict(job.runtime_config.parameter_values) == {
        "data_uri": "bq://acme-ml-dev.churn.training_latest",
        "spec": '{"model": "churn"}',
    }
    assert job.runtime_config.gcs_output_directory == "gs://acme-ml-dev-pipeline-root/churn"
    assert job.encryption_spec.kms_key_name.endswith("/cryptoKeys/k")
    assert dict(job.labels) == {**SCHEDULED, "started-by": "alert"}


def test_a_redelivered_message_starts_nothing_new(post: Post, fake: FakePipelineService) -> None:
    assert post(incident(), event_id="1") == 200
    assert post(incident(), event_id="2") == 200
    assert len(fake.jobs) == 1


def test_the_job_id_alone_keeps_one_run_per_incident(post: Post, fake: FakePipelineService) -> None:
    """Redelivered after the rate limit's window: only Vertex's ALREADY_EXISTS stands between it and a second run."""
    fake.now = datetime.now(UTC) - timedelta(days=3)
    assert post(incident()) == 200
    fake.now = None
    assert post(incident()) == 200
    assert len(fake.jobs) == 1
    assert fake.calls.count("CreatePipelineJob") == 2  # the second create was refused, not skipped


def scheduled_run(client: v1.PipelineServiceClient, fake: FakePipelineService, hours_ago: int, **labels: str) -> None:
    fake.now = datetime.now(UTC) - timedelta(hours=hours_ago)
    job = v1.PipelineJob(template_uri=TEMPLATE, labels={**SCHEDULED, **labels})
    client.create_pipeline_job(parent=PARENT, pipeline_job=job, pipeline_job_id=f"scheduled-{hours_ago}")
    fake.now = None


def test_a_run_of_the_model_within_a_day_holds_a_new_one_back(
    post: Post, fake: FakePipelineService, client: v1.PipelineServiceClient
) -> None:
    scheduled_run(client, fake, hours_ago=2)
    assert post(incident("a")) == 200
    assert post(incident("b")) == 200
    assert sorted(name.rsplit("/", 1)[1] for name in fake.jobs) == ["scheduled-2"]


def test_after_a_day_a_new_incident_starts_a_run_again(
    post: Post, fake: FakePipelineService, client: v1.PipelineServiceClient
) -> None:
    scheduled_run(client, fake, hours_ago=25)
    assert post(incident("a")) == 200
    assert post(incident("b")) == 200  # held back by the run "a" started
    assert len(fake.jobs) == 2


def test_the_manifests_retrain_every_hours_sets_the_window(
    post: Post, fake: FakePipelineService, client: v1.PipelineServiceClient
) -> None:
    scheduled_run(client, fake, hours_ago=25)
    assert post(incident(), every_hours=48) == 200
    assert len(fake.jobs) == 1


def test_runs_of_other_models_or_stacks_do_not_count(
    post: Post, fake: FakePipelineService, client: v1.PipelineServiceClient
) -> None:
    scheduled_run(client, fake, hours_ago=1, model="fraud")
    scheduled_run(client, fake, hours_ago=2, env="prod")
    assert post(incident()) == 200
    assert len(fake.jobs) == 3


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"state": "closed"}, id="closed incident"),
        pytest.param({"model": "fraud"}, id="model the stack does not serve"),
        pytest.param({"env": "prod"}, id="incident of another stack"),
        pytest.param({"retrain": ""}, id="policy without the retrain label"),
        pytest.param({"condition": "5xx responses above 5% of all"}, id="serving condition of a policy with drift"),
    ],
)
def test_incidents_that_do_not_ask_this_stack_for_retraining_start_nothing(
    post: Post, fake: FakePipelineService, changes: dict[str, str]
) -> None:
    assert post(incident(**changes)) == 200
    assert fake.calls == []


MALFORMED: list[Any] = [
    pytest.param(None, "message.data: missing", id="no data"),
    pytest.param("%%% not base64 %%%", "message.data: not base64", id="not base64"),
    pytest.param(b"\xff\xfe not utf-8", "data: not JSON", id="not UTF-8"),
    pytest.param(b"drift!", "data: not JSON", id="not JSON"),
    pytest.param(b"[1, 2]", "data: expected a JSON object", id="JSON list"),
    pytest.param({**incident(), "version": "2.0"}, "version: got '2.0'", id="unknown schema"),
    pytest.param({"version": "1.2"}, "incident: missing", id="no incident"),
    pytest.param(
        {"version": "1.2", "incident": {**incident()["incident"], "incident_id": None}},
        "incident.incident_id: got None",
        id="no incident id",
    ),
    pytest.param(
        {"version": "1.2", "incident": {**incident()["incident"], "policy_user_labels": {"model": 7}}},
        "incident.policy_user_labels: expected an object of strings",
        id="labels not strings",
    ),
]


@pytest.mark.parametrize(("data", "problem"), MALFORMED)
def test_a_malformed_message_is_acknowledged_logged_and_starts_nothing(
    post: Post, fake: FakePipelineService, caplog: pytest.LogCaptureFixture, data: Any, problem: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="retrain"):
        assert post(data, event_id="evt-9") == 200  # 2xx acknowledges: Pub/Sub does not deliver it again
    assert fake.calls == []
    [record] = [r for r in caplog.records if r.name == "retrain"]
    assert record.getMessage().startswith("event evt-9: acknowledged without action, not an incident: ")
    assert problem in record.getMessage()


@pytest.fixture(scope="module")
def decline_policy() -> dict[str, Any]:
    """The dev stack's accuracy-decline policy as components/ declares it (under Pulumi's mocks)."""
    from tests.components.conftest import plan_platform

    [policy] = [p for p in plan_platform("dev").of_type(POLICY) if p.name.endswith("-quality")]
    return policy.inputs


def test_a_quality_decline_incident_starts_one_run_and_its_redelivery_none(
    post: Post, fake: FakePipelineService, decline_policy: dict[str, Any]
) -> None:
    [condition] = decline_policy["conditions"]
    declined = incident("0.quality7", condition=condition["displayName"], **decline_policy["userLabels"])
    assert declined["incident"]["policy_user_labels"]["retrain"] == "quality"
    assert post(declined, event_id="1") == 200
    assert post(declined, event_id="2") == 200
    [job] = fake.jobs.values()
    assert job.name.startswith(f"{PARENT}/pipelineJobs/churn-retrain-") and job.template_uri == TEMPLATE
    assert fake.calls.count("CreatePipelineJob") == 1  # the redelivery was held back by the run just started


def test_the_settings_are_the_object_version_the_variable_names(
    storage_fake: FakeStorage, storage_client: storage.Client
) -> None:
    """A newer version (a later `pulumi up` still rolling out) does not change what this revision runs."""
    from functions.retrain.main import read_settings

    pinned = storage_fake.put(BUCKET, OBJECT, json.dumps(config(every_hours=24)).encode())
    storage_fake.put(BUCKET, OBJECT, json.dumps(config(every_hours=48)).encode())
    settings = read_settings(storage_client, f"gs://{BUCKET}/{OBJECT}#{pinned}")
    assert settings.models["churn"].every == timedelta(hours=24)
    downloads = [r for r in storage_fake.requests if r.startswith(f"/download/storage/v1/b/{BUCKET}/o/")]
    assert len(downloads) == 1 and f"generation={pinned}" in downloads[0]
    assert downloads[0].startswith(f"/download/storage/v1/b/{BUCKET}/o/functions%2Fretrain-config.json?")


def test_a_variable_that_names_no_object_version_is_refused(storage_client: storage.Client) -> None:
    from functions.retrain.main import read_settings

    with pytest.raises(ValueError, match="RETRAIN_CONFIG_OBJECT: got 'gs://b/o', expected gs://<bucket>/<object>#<gen"):
        read_settings(storage_client, "gs://b/o")
