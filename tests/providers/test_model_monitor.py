"""Model Monitoring v2 per served version, reconciled against the fake's real v1beta1 services."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import dill
import grpc
import pytest
from google.api_core.exceptions import GoogleAPIError, PermissionDenied
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.model_monitor import (
    ModelMonitors,
    ModelMonitorsArgs,
    ModelMonitorsProvider,
    MonitoredVersion,
    monitor_id,
)
from tests.providers.conftest import ENDPOINT, LOCATION, PROJECT, REGION, as_pulumi_sends, clients_of
from tests.providers.fake_model_monitoring import FakeModelMonitoring

PREFIX = "acme-ml-dev-churn"
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
    provider.create(props({"v6": 6, "v7": 7}))
    monitoring.calls.clear()
    provider.update("id", {}, props({"v7": 7}))
    assert monitored(monitoring) == {f"{PREFIX}-v7": "0 * * * *"}
    assert monitoring.mutating_calls() == ["DeleteSchedule", "DeleteModelMonitor"]


def test_changed_thresholds_and_cron_update_in_place(
    monitoring: FakeModelMonitoring, provider: ModelMonitorsProvider
) -> None:
    provider.create(props({"v6": 6}))
    monitoring.calls.clear()
    provider.update("id", {}, props({"v6": 6}, cron="30 2 * * *", plan=0.1))
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
    provider.create(props({"v6": 6}))
    provider.delete("id", props({"v6": 6}))
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
    provider.create(props({"v6": 6, "v5": 5}))
    wanted = props({"v6": 6, "v7": 7}, cron="15 * * * *", plan=0.1)
    if how == "operation":
        monitoring.fail_operation(method)
    else:
        monitoring.fail(method, grpc.StatusCode.INTERNAL)
    with pytest.raises(GoogleAPIError):
        provider.update("id", {}, wanted)
    provider.update("id", {}, wanted)
    assert monitored(monitoring) == {f"{PREFIX}-v6": "15 * * * *", f"{PREFIX}-v7": "15 * * * *"}
    monitoring.calls.clear()
    provider.update("id", {}, wanted)
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


def test_long_prefixes_still_make_valid_unique_ids() -> None:
    long = "a" * 60
    assert monitor_id("acme-ml-dev-churn", "v7") == "acme-ml-dev-churn-v7"
    ids = {monitor_id(long, "v7"), monitor_id(long + "b", "v7")}
    assert len(ids) == 2 and all(len(i) <= 63 and i.endswith("-v7") for i in ids)


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
        (args(prefix="Churn"), "does not make a Vertex id"),
        (args(thresholds={"plan": 0.2}), "disagree on tenure_months"),
        (args(features={"plan": "text"}, thresholds={"plan": 0.2}), "feature types"),
    ],
)
def test_bad_arguments_fail_at_registration(bad: ModelMonitorsArgs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ModelMonitors("dev-churn-monitors", bad)


def test_provider_pickles_the_way_pulumi_stores_it() -> None:
    restored = dill.loads(base64.b64decode(serialize_provider(ModelMonitorsProvider())))
    assert isinstance(restored, ModelMonitorsProvider)
