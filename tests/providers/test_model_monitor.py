"""Model Monitoring v2 per served version, reconciled against the fake's real v1beta1 services."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dill
import grpc
import pulumi
import pytest
from croniter import croniter
from google.api_core.exceptions import FailedPrecondition, GoogleAPIError, PermissionDenied
from google.cloud import aiplatform_v1beta1 as v1beta1
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.model_monitor import (
    ModelMonitors,
    ModelMonitorsArgs,
    ModelMonitorsProvider,
    MonitoredVersion,
)
from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import ENDPOINT, LOCATION, PROJECT, REGION, as_pulumi_sends, clients_of
from tests.providers.fake_model_monitoring import FakeModelMonitoring

PREFIX = "acme-ml-dev-churn"
NUMBERED = f"projects/412345678901/locations/{REGION}"
MODEL = f"{LOCATION}/models/{PREFIX}"
FEATURES = {"tenure_months": "numerical", "plan": "categorical"}


@pytest.fixture
def provider(monitoring: FakeModelMonitoring) -> Iterator[ModelMonitorsProvider]:
    with clients_of(monitoring.address) as clients:
        yield ModelMonitorsProvider(clients)


def props(versions: dict[str, int], cron: str = "0 * * * *", plan: float = 0.2) -> dict[str, Any]:
    """The provider's inputs for monitored `versions` (version -> Model Registry version id)."""
    return as_pulumi_sends(
        {
            "project": PROJECT,
            "region": REGION,
            "prefix": PREFIX,
            "endpoint": ENDPOINT,
            "features": FEATURES,
            "thresholds": {"tenure_months": 0.3, "plan": plan},
            "categorical_metric": "l_infinity",
            "cron": cron,
            "output_uri": "gs://acme-ml-dev-pipeline-root/model-monitoring",
            "encryption_key": f"{LOCATION}/keyRings/dev-keys/cryptoKeys/vertex",
            "versions": {
                v: {"model": MODEL, "version_id": str(i), "training_table": f"bq://acme-ml-dev.churn.training_{v}"}
                for v, i in versions.items()
            },
        }
    )


def monitored(monitoring: FakeModelMonitoring) -> dict[str, str]:
    """Monitor id -> the cron of the schedule that runs it."""
    return {
        m.display_name: next(s.cron for s in monitoring.schedules_of(name))
        if monitoring.schedules_of(name)
        else "(no schedule)"
        for name, m in monitoring.monitors.items()
    }


def test_each_served_version_gets_a_monitor_and_a_schedule(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    result = provider.create(props({"v6": 6, "v7": 7}))
    assert monitored(monitoring) == {f"{PREFIX}-v6": "0 * * * *", f"{PREFIX}-v7": "0 * * * *"}
    monitor = monitoring.monitors[f"projects/412345678901/locations/{REGION}/modelMonitors/{PREFIX}-v7"]
    assert (
        monitor.model_monitoring_target.vertex_model.model,
        monitor.model_monitoring_target.vertex_model.model_version_id,
    ) == (
        MODEL,
        "7",
    )
    assert monitor.training_dataset.columnized_dataset.bigquery_source.table_uri == "bq://acme-ml-dev.churn.training_v7"
    drift = monitor.tabular_objective.feature_drift_spec
    assert dict(drift.feature_alert_conditions)["plan"].threshold == pytest.approx(0.2)
    assert (drift.categorical_metric_type, drift.numeric_metric_type) == ("l_infinity", "jensen_shannon_divergence")
    [schedule] = monitoring.schedules_of(monitor.name)
    target = schedule.create_model_monitoring_job_request.model_monitoring_job.model_monitoring_spec.objective_spec
    assert list(target.target_dataset.vertex_endpoint_logs.endpoints) == [ENDPOINT]
    assert result.outs is not None
    assert result.outs["schedule_ids"] == {"v6": schedule_id(monitoring, "v6"), "v7": schedule.name.rsplit("/", 1)[-1]}


def schedule_id(monitoring: FakeModelMonitoring, version: str) -> str:
    [schedule] = monitoring.schedules_of(f"{LOCATION}/modelMonitors/{PREFIX}-{version}")
    return schedule.name.rsplit("/", 1)[-1]


def test_scheduled_jobs_keep_the_monitors_output_and_notification_specs(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    """A job's spec replaces the monitor's (model_monitoring_job.proto:51-56): without its own output and
    notification specs, each run would drop the CMEK output directory and the Cloud Logging of anomalies."""
    provider.create(props({"v6": 6}))
    [monitor] = monitoring.monitors.values()
    [schedule] = monitoring.schedules_of(monitor.name)
    used = monitoring.scheduled_job_spec(schedule)
    assert used.output_spec == monitor.output_spec
    assert used.output_spec.gcs_base_directory.output_uri_prefix.endswith(f"/model-monitoring/{PREFIX}-v6")
    assert used.notification_spec == monitor.notification_spec and used.notification_spec.enable_cloud_logging


@pytest.mark.parametrize("cron", ["0 * * * *", "0 */6 * * *", "30 2 * * *", "0 4 * * 1"])
def test_each_run_reads_the_requests_logged_since_the_run_before(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider, cron: str
) -> None:
    """The window is the interval between two runs of the cron (no offset: it ends at the scheduled time)."""
    provider.create(props({"v6": 6}, cron=cron))
    [schedule] = monitoring.schedules.values()
    offset = monitoring.scheduled_job_spec(schedule).objective_spec.target_dataset.time_offset
    runs = croniter(cron, datetime(2025, 3, 3, tzinfo=UTC))
    first = runs.get_next(datetime)
    interval = runs.get_next(datetime) - first
    amount, unit = int(offset.window[:-1]), offset.window[-1]
    assert timedelta(hours=amount * {"h": 1, "d": 24, "w": 168}[unit]) == interval
    assert offset.offset == ""


def foreign_resources(clients: VertexClients) -> None:
    """What the region holds besides this model's monitors: the model's own pipeline schedules (whose names
    start like its monitors'), the monitor and schedule of a model named churn-eu, a monitor made by hand,
    and a hand-made schedule named like one of ours but running that hand-made monitor."""
    monitoring, scheduling = clients.model_monitoring_service(REGION), clients.schedule_service(REGION)
    for role in ("continuous-training", "model-quality"):
        pipeline = v1beta1.CreatePipelineJobRequest(
            parent=LOCATION, pipeline_job=v1beta1.PipelineJob(display_name=f"{PREFIX}-{role}")
        )
        scheduling.create_schedule(
            parent=LOCATION,
            schedule=v1beta1.Schedule(
                display_name=f"{PREFIX}-{role}",
                cron="0 4 * * 1",
                max_concurrent_run_count=1,
                create_pipeline_job_request=pipeline,
            ),
        )
    for monitor_id_, display in ((f"{PREFIX}-eu-v6", f"{PREFIX}-eu-v6"), (f"{PREFIX}-adhoc", f"{PREFIX}-v6")):
        body = v1beta1.ModelMonitor(
            display_name=monitor_id_,
            model_monitoring_target=v1beta1.ModelMonitor.ModelMonitoringTarget(
                vertex_model=v1beta1.ModelMonitor.ModelMonitoringTarget.VertexModelSource(model=f"{MODEL}-eu")
            ),
        )
        request = v1beta1.CreateModelMonitorRequest(parent=LOCATION, model_monitor=body, model_monitor_id=monitor_id_)
        created = clients.wait(monitoring.create_model_monitor(request=request))
        job = v1beta1.CreateModelMonitoringJobRequest(parent=created.name)
        scheduling.create_schedule(
            parent=LOCATION,
            schedule=v1beta1.Schedule(
                display_name=display,
                cron="0 * * * *",
                max_concurrent_run_count=1,
                create_model_monitoring_job_request=job,
            ),
        )


@pytest.fixture
def foreign(monitoring: FakeModelMonitoring) -> dict[str, Any]:
    """The foreign resources, by name, as they were made."""
    with clients_of(monitoring.address) as clients:
        foreign_resources(clients)
    return {**monitoring.monitors, **monitoring.schedules}


def unchanged(monitoring: FakeModelMonitoring, foreign: dict[str, Any]) -> bool:
    return all({**monitoring.monitors, **monitoring.schedules}.get(name) == made for name, made in foreign.items())


def test_foreign_resources_survive_create_update_and_delete(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider, foreign: dict[str, Any]
) -> None:
    created = provider.create(props({"v6": 6, "v5": 5}))
    assert unchanged(monitoring, foreign), "create"
    updated = provider.update("id", created.outs or {}, props({"v6": 6, "v7": 7}, cron="30 2 * * *", plan=0.1))
    assert unchanged(monitoring, foreign), "update"
    assert set(monitored(monitoring)) >= {f"{PREFIX}-v6", f"{PREFIX}-v7"} and f"{PREFIX}-v5" not in monitored(
        monitoring
    )
    provider.delete("id", updated.outs or {})
    assert unchanged(monitoring, foreign), "delete"
    assert set(monitoring.monitors) | set(monitoring.schedules) == set(foreign)


def test_state_records_the_exact_names_of_what_it_created(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider, foreign: dict[str, Any]
) -> None:
    outs = provider.create(props({"v6": 6})).outs or {}
    ours = (set(monitoring.monitors) | set(monitoring.schedules)) - set(foreign)
    recorded = {*outs["monitors"].values(), *(f"{NUMBERED}/schedules/{i}" for i in outs["schedule_ids"].values())}
    assert recorded == ours


def test_a_schedule_whose_answer_was_lost_is_adopted_not_duplicated(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider, foreign: dict[str, Any]
) -> None:
    before = provider.create(props({"v6": 6}))
    monitoring.crash_after("CreateSchedule")
    with pytest.raises(GoogleAPIError):
        provider.update("id", before.outs or {}, props({"v6": 6, "v7": 7}))
    after = provider.update("id", before.outs or {}, props({"v6": 6, "v7": 7}))
    assert len(monitoring.schedules_of(f"{LOCATION}/modelMonitors/{PREFIX}-v7")) == 1
    assert (after.outs or {})["schedule_ids"]["v7"] == schedule_id(monitoring, "v7")
    assert unchanged(monitoring, foreign)


def test_a_duplicate_left_by_a_retried_create_is_retired_and_the_recorded_schedule_kept(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    """A CreateSchedule retried after DEADLINE_EXCEEDED can make two: same display name, same monitor."""
    state = provider.create(props({"v6": 6})).outs or {}
    [recorded] = monitoring.schedules.values()
    with clients_of(monitoring.address) as clients:
        clients.schedule_service(REGION).create_schedule(parent=LOCATION, schedule=v1beta1.Schedule(recorded))
    provider.update("id", state, props({"v6": 6}))
    assert list(monitoring.schedules) == [recorded.name]


def test_a_schedule_someone_else_attached_to_our_monitor_is_not_deleted_with_it(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    """Retiring the monitor fails, naming the schedule's hold on it, instead of forcing it away."""
    state = provider.create(props({"v6": 6})).outs or {}
    [ours] = monitoring.schedules.values()
    theirs = v1beta1.Schedule(ours)
    theirs.display_name = "daily drift report"
    with clients_of(monitoring.address) as clients:
        theirs = clients.schedule_service(REGION).create_schedule(parent=LOCATION, schedule=theirs)
    with pytest.raises(FailedPrecondition, match="has schedules"):
        provider.update("id", state, props({"v7": 7}))
    assert theirs.name in monitoring.schedules and ours.name not in monitoring.schedules


def test_a_second_run_makes_no_mutating_call(monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider) -> None:
    first = provider.create(props({"v6": 6}))
    monitoring.calls.clear()
    second = provider.update("id", first.outs or {}, props({"v6": 6}))
    assert monitoring.mutating_calls() == []
    assert second.outs is not None and first.outs is not None
    assert second.outs["schedule_ids"] == first.outs["schedule_ids"]


def test_a_retired_version_loses_its_schedule_then_its_monitor(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    created = provider.create(props({"v6": 6, "v7": 7}))
    monitoring.calls.clear()
    provider.update("id", created.outs or {}, props({"v7": 7}))
    assert monitored(monitoring) == {f"{PREFIX}-v7": "0 * * * *"}
    assert monitoring.mutating_calls() == ["DeleteSchedule", "DeleteModelMonitor"]


def test_changed_thresholds_and_cron_update_in_place(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    created = provider.create(props({"v6": 6}))
    monitoring.calls.clear()
    provider.update("id", created.outs or {}, props({"v6": 6}, cron="30 2 * * *", plan=0.1))
    assert monitoring.mutating_calls() == ["UpdateModelMonitor", "UpdateSchedule"]
    [monitor] = monitoring.monitors.values()
    assert dict(monitor.tabular_objective.feature_drift_spec.feature_alert_conditions)[
        "plan"
    ].threshold == pytest.approx(0.1)
    assert monitored(monitoring) == {f"{PREFIX}-v6": "30 2 * * *"}


def test_monitors_of_other_models_are_left_alone(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    other = {**props({"v1": 1}), "prefix": "acme-ml-dev-fraud"}
    provider.create(other)
    created = provider.create(props({"v6": 6}))
    provider.delete("id", created.outs or {})
    assert monitored(monitoring) == {"acme-ml-dev-fraud-v1": "0 * * * *"}


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
@pytest.mark.parametrize("method", ["ListModelMonitors", "CreateModelMonitor", "CreateSchedule", "ListSchedules"])
def test_transient_errors_are_retried(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider, method: str, code: grpc.StatusCode
) -> None:
    monitoring.fail(method, code, times=2)
    provider.create(props({"v6": 6}))
    assert monitored(monitoring) == {f"{PREFIX}-v6": "0 * * * *"}
    assert monitoring.calls.count(method) >= 3


def test_a_permanent_error_is_not_retried(monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider) -> None:
    monitoring.fail("CreateModelMonitor", grpc.StatusCode.PERMISSION_DENIED)
    with pytest.raises(PermissionDenied):
        provider.create(props({"v6": 6}))
    assert monitoring.calls.count("CreateModelMonitor") == 1


STEPS = [
    ("CreateModelMonitor", "operation"),
    ("CreateSchedule", "call"),
    ("UpdateModelMonitor", "operation"),
    ("UpdateSchedule", "call"),
    ("DeleteSchedule", "operation"),
    ("DeleteModelMonitor", "operation"),
]


@pytest.mark.parametrize(("method", "how"), STEPS)
def test_rerun_after_a_failure_at_any_step_converges(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider, method: str, how: str
) -> None:
    """From v5 and v6 to v6 (new cron and threshold) and v7; whatever step fails, the next run finishes the job."""
    state = provider.create(props({"v6": 6, "v5": 5})).outs or {}
    wanted = props({"v6": 6, "v7": 7}, cron="0 */2 * * *", plan=0.1)
    if how == "operation":
        monitoring.fail_operation(method)
    else:
        monitoring.fail(method, grpc.StatusCode.INTERNAL)
    with pytest.raises(GoogleAPIError):
        provider.update("id", state, wanted)
    state = provider.update("id", state, wanted).outs or {}
    assert monitored(monitoring) == {f"{PREFIX}-v6": "0 */2 * * *", f"{PREFIX}-v7": "0 */2 * * *"}
    monitoring.calls.clear()
    provider.update("id", state, wanted)
    assert monitoring.mutating_calls() == []


def test_a_create_whose_answer_was_lost_adopts_the_monitor(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    provider.create(props({"v6": 6}))
    monitoring.schedules.clear()  # as if the run died after creating the monitor
    provider.create(props({"v6": 6}))
    assert monitored(monitoring) == {f"{PREFIX}-v6": "0 * * * *"} and len(monitoring.monitors) == 1


def test_refresh_shows_a_monitor_deleted_by_hand(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    created = provider.create(props({"v6": 6, "v7": 7}))
    for schedule in monitoring.schedules_of(f"{LOCATION}/modelMonitors/{PREFIX}-v7"):
        del monitoring.schedules[schedule.name]
    del monitoring.monitors[f"projects/412345678901/locations/{REGION}/modelMonitors/{PREFIX}-v7"]
    read = provider.read("id", created.outs or {})
    assert read.inputs is not None and set(read.inputs["versions"]) == {"v6"}
    assert provider.diff("id", read.inputs, props({"v6": 6, "v7": 7})).changes


def test_diff_replaces_only_on_identity() -> None:
    provider = ModelMonitorsProvider()
    assert provider.diff("id", props({"v6": 6}), props({"v6": 6})).changes is False
    changed = provider.diff("id", props({"v6": 6}), props({"v6": 6, "v7": 7}))
    assert changed.changes and changed.replaces == []
    moved = provider.diff("id", props({"v6": 6}), {**props({"v6": 6}), "region": "europe-west4"})
    assert moved.replaces == ["region"]


class Accepting(pulumi.runtime.Mocks):
    """Pulumi's mock engine, taking every resource as declared."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def test_a_model_name_the_stack_accepts_makes_monitors_it_registers() -> None:
    """A 63-character prefix (the longest Vertex model id the stack allows) still has valid monitor ids."""
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(Accepting(), preview=False)

    @pulumi.runtime.test
    def register() -> pulumi.Output[Any]:
        return ModelMonitors("dev-churn-monitors", args(prefix="a" * 63)).urn.apply(lambda urn: urn)

    register()


def args(**changes: Any) -> ModelMonitorsArgs:
    base: dict[str, Any] = {
        "project": PROJECT,
        "region": REGION,
        "prefix": PREFIX,
        "endpoint": ENDPOINT,
        "features": FEATURES,
        "thresholds": {"tenure_months": 0.3, "plan": 0.2},
        "categorical_metric": "l_infinity",
        "cron": "0 * * * *",
        "output_uri": "gs://b/m",
        "encryption_key": "k",
        "versions": [MonitoredVersion("v6", MODEL, "6", "bq://p.d.t")],
    }
    return ModelMonitorsArgs(**{**base, **changes})


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (args(prefix="Churn"), "which Vertex refuses"),
        (args(thresholds={"plan": 0.2}), "disagree on tenure_months"),
        (args(features={"plan": "text"}, thresholds={"plan": 0.2}), "feature types"),
        (args(cron="0 9 * * 1-5"), "not evenly spaced"),
    ],
)
def test_bad_arguments_fail_at_registration(bad: ModelMonitorsArgs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ModelMonitors("dev-churn-monitors", bad)


def test_provider_pickles_the_way_pulumi_stores_it() -> None:
    restored = dill.loads(base64.b64decode(serialize_provider(ModelMonitorsProvider())))
    assert isinstance(restored, ModelMonitorsProvider)
