"""The Model Monitoring fake must refuse what Vertex refuses, rule by rule, or the provider tests prove nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.api_core.exceptions import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from google.cloud import aiplatform_v1beta1 as v1beta1
from google.protobuf.field_mask_pb2 import FieldMask

from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import LOCATION, PROJECT, clients_of
from tests.providers.fake_model_monitoring import FakeModelMonitoring

NUMBERED = LOCATION.replace(PROJECT, "412345678901")


@pytest.fixture
def clients(monitoring: FakeModelMonitoring) -> Iterator[VertexClients]:
    with clients_of(monitoring.address) as clients:
        yield clients


def monitor(features: tuple[str, ...] = ("plan",), **drift: Any) -> v1beta1.ModelMonitor:
    spec = v1beta1.ModelMonitoringObjectiveSpec.DataDriftSpec(features=list(features), **drift)
    return v1beta1.ModelMonitor(
        model_monitoring_target=v1beta1.ModelMonitor.ModelMonitoringTarget(
            vertex_model=v1beta1.ModelMonitor.ModelMonitoringTarget.VertexModelSource(model=f"{LOCATION}/models/m")
        ),
        model_monitoring_schema=v1beta1.ModelMonitoringSchema(
            feature_fields=[v1beta1.ModelMonitoringSchema.FieldSchema(name="plan", data_type="categorical")]
        ),
        tabular_objective=v1beta1.ModelMonitoringObjectiveSpec.TabularObjective(feature_drift_spec=spec),
    )


def create(clients: VertexClients, body: v1beta1.ModelMonitor, monitor_id: str = "churn-v7") -> Any:
    service = clients.model_monitoring_service("us-central1")
    request = v1beta1.CreateModelMonitorRequest(parent=LOCATION, model_monitor=body, model_monitor_id=monitor_id)
    return clients.wait(service.create_model_monitor(request=request))


def schedule(parent: str, cron: str = "0 * * * *", runs: int = 1, name: str = "s") -> v1beta1.Schedule:
    return v1beta1.Schedule(
        display_name=name,
        cron=cron,
        max_concurrent_run_count=runs,
        create_model_monitoring_job_request=v1beta1.CreateModelMonitoringJobRequest(parent=parent),
    )


def test_a_request_that_does_not_parse_as_its_type_is_refused(monitoring: FakeModelMonitoring) -> None:
    with grpc.insecure_channel(monitoring.address) as channel:
        call = channel.unary_unary("/google.cloud.aiplatform.v1beta1.ModelMonitoringService/CreateModelMonitor")
        with pytest.raises(grpc.RpcError) as refused:
            call(b"\x0a\x02\xff\xfe")
    assert refused.value.code() == grpc.StatusCode.INTERNAL and monitoring.monitors == {}


def test_names_come_back_with_the_project_number(clients: VertexClients) -> None:
    assert create(clients, monitor()).name == f"{NUMBERED}/modelMonitors/churn-v7"


def test_another_project_is_refused(clients: VertexClients) -> None:
    service = clients.model_monitoring_service("us-central1")
    with pytest.raises(PermissionDenied):
        service.get_model_monitor(name="projects/someone-else/locations/us-central1/modelMonitors/x")


@pytest.mark.parametrize("monitor_id", ["Churn-v7", "7churn", "churn-", "a" * 64])
def test_monitor_ids_follow_the_documented_pattern(clients: VertexClients, monitor_id: str) -> None:
    with pytest.raises(InvalidArgument, match="model_monitor_id"):
        create(clients, monitor(), monitor_id)


def test_an_id_is_taken_once(clients: VertexClients) -> None:
    create(clients, monitor())
    with pytest.raises(AlreadyExists):
        create(clients, monitor())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (monitor(("plan", "region")), r"drift features \['region'\] are not in the schema"),
        (monitor(categorical_metric_type="kl_divergence"), "categorical metric"),
        (monitor(numeric_metric_type="l_infinity"), "numeric metric"),
        (v1beta1.ModelMonitor(), "vertex_model.model is required"),
    ],
)
def test_monitors_are_checked_as_documented(clients: VertexClients, body: v1beta1.ModelMonitor, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        create(clients, body)


def test_schema_data_types_are_the_documented_ones(clients: VertexClients) -> None:
    body = monitor()
    body.model_monitoring_schema.feature_fields[0].data_type = "text"
    with pytest.raises(InvalidArgument, match="data types"):
        create(clients, body)


def test_a_failed_operation_creates_nothing(monitoring: FakeModelMonitoring, clients: VertexClients) -> None:
    monitoring.fail_operation("CreateModelMonitor")
    with pytest.raises(Exception, match="CreateModelMonitor failed"):
        create(clients, monitor())
    assert monitoring.monitors == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (schedule("MONITOR", name=""), "display_name is required"),
        (schedule("MONITOR", name="s" * 129), "display_name is over 128 characters"),
        (schedule("MONITOR", runs=0), "max_concurrent_run_count is required"),
        (schedule("MONITOR", cron="every hour"), "is not a cron schedule"),
        (schedule(f"{LOCATION}/modelMonitors/missing"), "not found"),
    ],
)
def test_schedules_are_checked_as_documented(clients: VertexClients, body: v1beta1.Schedule, message: str) -> None:
    name = create(clients, monitor()).name
    body.create_model_monitoring_job_request.parent = body.create_model_monitoring_job_request.parent.replace(
        "MONITOR", name
    )
    with pytest.raises((InvalidArgument, NotFound), match=message):
        clients.schedule_service("us-central1").create_schedule(parent=LOCATION, schedule=body)


def test_a_schedule_needs_a_request_template(clients: VertexClients) -> None:
    body = v1beta1.Schedule(display_name="s", cron="0 * * * *", max_concurrent_run_count=1)
    with pytest.raises(InvalidArgument, match="needs a request template"):
        clients.schedule_service("us-central1").create_schedule(parent=LOCATION, schedule=body)


def pipeline_schedule(name: str, parent: str = LOCATION) -> v1beta1.Schedule:
    return v1beta1.Schedule(
        display_name=name,
        cron="0 4 * * 1",
        max_concurrent_run_count=1,
        create_pipeline_job_request=v1beta1.CreatePipelineJobRequest(
            parent=parent, pipeline_job=v1beta1.PipelineJob(display_name=name)
        ),
    )


def test_pipeline_and_monitoring_schedules_share_one_list(
    monitoring: FakeModelMonitoring, clients: VertexClients
) -> None:
    service = clients.schedule_service("us-central1")
    name = create(clients, monitor()).name
    service.create_schedule(parent=LOCATION, schedule=pipeline_schedule("churn-continuous-training"))
    service.create_schedule(parent=LOCATION, schedule=schedule(name, name="churn-v7"))
    listed = {s.display_name for s in service.list_schedules(parent=LOCATION)}
    assert listed == {"churn-continuous-training", "churn-v7"}
    assert [s.display_name for s in monitoring.schedules_of(name)] == ["churn-v7"]


def test_a_pipeline_schedule_names_its_location(clients: VertexClients) -> None:
    with pytest.raises(InvalidArgument, match=r"create_pipeline_job_request\.parent is required"):
        clients.schedule_service("us-central1").create_schedule(parent=LOCATION, schedule=pipeline_schedule("p", ""))


def test_the_scheduled_request_type_cannot_change(clients: VertexClients) -> None:
    service = clients.schedule_service("us-central1")
    created = service.create_schedule(parent=LOCATION, schedule=pipeline_schedule("p"))
    changed = schedule(create(clients, monitor()).name)
    changed.name = created.name
    mask = FieldMask(paths=["create_model_monitoring_job_request"])
    with pytest.raises(InvalidArgument, match="request type cannot be changed"):
        service.update_schedule(schedule=changed, update_mask=mask)


def test_a_schedule_template_takes_no_job_id(clients: VertexClients) -> None:
    body = schedule(create(clients, monitor()).name)
    body.create_model_monitoring_job_request.model_monitoring_job_id = "run-1"
    with pytest.raises(InvalidArgument, match="model_monitoring_job_id is not supported"):
        clients.schedule_service("us-central1").create_schedule(parent=LOCATION, schedule=body)


def test_a_job_display_name_is_at_most_128_characters(clients: VertexClients) -> None:
    body = schedule(create(clients, monitor()).name)
    body.create_model_monitoring_job_request.model_monitoring_job.display_name = "j" * 129
    with pytest.raises(InvalidArgument, match="job display_name is over 128"):
        clients.schedule_service("us-central1").create_schedule(parent=LOCATION, schedule=body)


def windowed(parent: str, window: str = "", offset: str = "") -> v1beta1.Schedule:
    body = schedule(parent)
    target = v1beta1.ModelMonitoringInput(
        time_offset=v1beta1.ModelMonitoringInput.TimeOffset(offset=offset, window=window)
    )
    spec = v1beta1.ModelMonitoringSpec(objective_spec=v1beta1.ModelMonitoringObjectiveSpec(target_dataset=target))
    body.create_model_monitoring_job_request.model_monitoring_job.model_monitoring_spec = spec
    return body


@pytest.mark.parametrize(("window", "offset"), [("1h", ""), ("2d", "1h"), ("1W", "3D"), ("168H", "")])
def test_time_offsets_in_weeks_days_or_hours_are_accepted(clients: VertexClients, window: str, offset: str) -> None:
    body = windowed(create(clients, monitor()).name, window, offset)
    assert clients.schedule_service("us-central1").create_schedule(parent=LOCATION, schedule=body).name


@pytest.mark.parametrize(("window", "offset"), [("30m", ""), ("1 hour", ""), ("h", ""), ("1h", "90s")])
def test_other_time_offsets_are_refused(clients: VertexClients, window: str, offset: str) -> None:
    body = windowed(create(clients, monitor()).name, window, offset)
    with pytest.raises(InvalidArgument, match="time offset"):
        clients.schedule_service("us-central1").create_schedule(parent=LOCATION, schedule=body)


def test_a_job_spec_replaces_the_monitors_spec_whole(monitoring: FakeModelMonitoring, clients: VertexClients) -> None:
    body = monitor()
    body.output_spec.gcs_base_directory.output_uri_prefix = "gs://cmek-bucket/out"
    body.notification_spec.enable_cloud_logging = True
    name = create(clients, body).name
    service = clients.schedule_service("us-central1")
    bare = service.create_schedule(parent=LOCATION, schedule=schedule(name))
    assert (
        monitoring.scheduled_job_spec(bare).output_spec.gcs_base_directory.output_uri_prefix == "gs://cmek-bucket/out"
    )
    with_spec = service.create_schedule(parent=LOCATION, schedule=windowed(name, "1h"))
    spec = monitoring.scheduled_job_spec(with_spec)
    assert "output_spec" not in spec and not spec.notification_spec.enable_cloud_logging


def test_the_longest_documented_monitor_id_is_accepted(clients: VertexClients) -> None:
    assert create(clients, monitor(), "a" * 63).name.endswith("/" + "a" * 63)


def test_an_update_cannot_unset_a_field(clients: VertexClients) -> None:
    service = clients.schedule_service("us-central1")
    created = service.create_schedule(parent=LOCATION, schedule=schedule(create(clients, monitor()).name))
    assert created.state == v1beta1.Schedule.State.ACTIVE
    with pytest.raises(InvalidArgument, match="cron cannot be unset"):
        service.update_schedule(schedule=v1beta1.Schedule(name=created.name), update_mask=FieldMask(paths=["cron"]))


def test_a_monitor_with_schedules_is_deleted_only_by_force(
    monitoring: FakeModelMonitoring, clients: VertexClients
) -> None:
    name = create(clients, monitor()).name
    clients.schedule_service("us-central1").create_schedule(parent=LOCATION, schedule=schedule(name))
    service = clients.model_monitoring_service("us-central1")
    with pytest.raises(FailedPrecondition, match="has schedules"):
        service.delete_model_monitor(name=name)
    clients.wait(service.delete_model_monitor(request=v1beta1.DeleteModelMonitorRequest(name=name, force=True)))
    assert monitoring.monitors == {} and monitoring.schedules == {}


def test_lists_are_per_location(clients: VertexClients) -> None:
    create(clients, monitor())
    service = clients.model_monitoring_service("us-central1")
    assert len(list(service.list_model_monitors(parent=LOCATION))) == 1
    assert list(service.list_model_monitors(parent=f"projects/{PROJECT}/locations/europe-west4")) == []
