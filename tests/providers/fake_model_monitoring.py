"""An in-process Vertex AI Model Monitoring v2: the real v1beta1 `ModelMonitoringService` and `ScheduleService`.

Each rule below follows Google's v1beta1 reference, cited where it is enforced
(https://cloud.google.com/vertex-ai/docs/reference/rpc/google.cloud.aiplatform.v1beta1, "REF" below), or
the `.proto` file and line of googleapis (google/cloud/aiplatform/v1beta1/, commit
f8291d2b89f0017ab078a4c7378069bae5686f6f). State (monitors, schedules, operations) lives in memory;
faults are injected per method. Like Vertex, one list of schedules per location holds pipeline and
monitoring schedules alike.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import grpc
from croniter import croniter
from google.cloud import aiplatform_v1beta1 as v1beta1
from google.protobuf import empty_pb2

from tests.providers.grpc_fake import OPERATION, GrpcFake, Method, Rejected

REF = "https://cloud.google.com/vertex-ai/docs/reference/rpc/google.cloud.aiplatform.v1beta1"
# model_monitoring_service.proto:188-193 (CreateModelMonitorRequest.model_monitor_id): "The maximum length
# is 63 characters, and valid characters are `/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/`".
MONITOR_ID = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
# model_monitoring_spec.proto:224-239 (ModelMonitoringInput.TimeOffset): offset and window "Currently we
# support the following format: 'w|W': Week, 'd|D': Day, 'h|H': Hour E.g. '1h' stands for 1 hour".
TIME_AMOUNT = re.compile(r"[0-9]+[wWdDhH]")
# schedule.proto:105-107 (Schedule.display_name) and model_monitoring_job.proto:47-48
# (ModelMonitoringJob.display_name): "can be up to 128 characters long".
MAX_DISPLAY_NAME = 128
LOCATION = re.compile(r"projects/[^/]+/locations/[^/]+")
# REF#modelmonitoringschema.fieldschema: "Supported data types are: float integer boolean string categorical".
DATA_TYPES = frozenset({"float", "integer", "boolean", "string", "categorical"})
# REF#modelmonitoringobjectivespec.datadriftspec: the supported metric types per kind of feature.
CATEGORICAL_METRICS = frozenset({"l_infinity", "jensen_shannon_divergence"})
NUMERIC_METRICS = frozenset({"jensen_shannon_divergence"})
MONITORS, SCHEDULES = (
    "google.cloud.aiplatform.v1beta1.ModelMonitoringService",
    "google.cloud.aiplatform.v1beta1.ScheduleService",
)
PROJECT = re.compile(r"^projects/([^/]+)/")
T = TypeVar("T")


class FakeModelMonitoring(GrpcFake):
    """Monitors and schedules of one fake project (`project` spelled by id or `number`), served on 127.0.0.1."""

    readonly = frozenset({"GetOperation", "GetModelMonitor", "ListModelMonitors", "GetSchedule", "ListSchedules"})

    def __init__(self, project: str = "acme-ml-dev", number: str = "412345678901") -> None:
        super().__init__()
        self.project, self.number = project, number
        self.monitors: dict[str, v1beta1.ModelMonitor] = {}
        self.schedules: dict[str, v1beta1.Schedule] = {}

    def methods(self) -> list[Method]:
        mm, s = v1beta1, v1beta1
        return [
            (MONITORS, "CreateModelMonitor", mm.CreateModelMonitorRequest.deserialize, OPERATION, self._create_monitor),
            (
                MONITORS,
                "GetModelMonitor",
                mm.GetModelMonitorRequest.deserialize,
                mm.ModelMonitor.serialize,
                self._get_monitor,
            ),
            (
                MONITORS,
                "ListModelMonitors",
                mm.ListModelMonitorsRequest.deserialize,
                mm.ListModelMonitorsResponse.serialize,
                self._list_monitors,
            ),
            (MONITORS, "UpdateModelMonitor", mm.UpdateModelMonitorRequest.deserialize, OPERATION, self._update_monitor),
            (MONITORS, "DeleteModelMonitor", mm.DeleteModelMonitorRequest.deserialize, OPERATION, self._delete_monitor),
            (
                SCHEDULES,
                "CreateSchedule",
                s.CreateScheduleRequest.deserialize,
                s.Schedule.serialize,
                self._create_schedule,
            ),
            (SCHEDULES, "GetSchedule", s.GetScheduleRequest.deserialize, s.Schedule.serialize, self._get_schedule),
            (
                SCHEDULES,
                "ListSchedules",
                s.ListSchedulesRequest.deserialize,
                s.ListSchedulesResponse.serialize,
                self._list_schedules,
            ),
            (
                SCHEDULES,
                "UpdateSchedule",
                s.UpdateScheduleRequest.deserialize,
                s.Schedule.serialize,
                self._update_schedule,
            ),
            (SCHEDULES, "DeleteSchedule", s.DeleteScheduleRequest.deserialize, OPERATION, self._delete_schedule),
        ]

    # -- names -------------------------------------------------------------------------------
    def canonical(self, name: str) -> str:
        """Vertex names resources with the project number, whichever way the request spelled the project
        (REF#modelmonitor: name "projects/{project}/locations/{location}/modelMonitors/{model_monitor}")."""
        match = PROJECT.match(name)
        if match is None or match.group(1) not in (self.project, self.number):
            raise Rejected(grpc.StatusCode.PERMISSION_DENIED, f"{name} is not in project {self.project}")
        return PROJECT.sub(f"projects/{self.number}/", name)

    def schedules_of(self, monitor: str) -> list[v1beta1.Schedule]:
        """The monitoring schedules whose runs create jobs of `monitor`."""
        target = self.canonical(monitor)
        return [
            s
            for s in self.schedules.values()
            if "create_model_monitoring_job_request" in s
            and self.canonical(s.create_model_monitoring_job_request.parent) == target
        ]

    def scheduled_job_spec(self, schedule: v1beta1.Schedule) -> v1beta1.ModelMonitoringSpec:
        """The spec a run of `schedule` works with. model_monitoring_job.proto:51-56: "If left blank, the default
        monitoring specifications from the top-level resource 'ModelMonitor' will be applied. If provided, we
        will use the specification defined here rather than the default one": the job's spec replaces the
        monitor's whole, it is not merged with it."""
        request = schedule.create_model_monitoring_job_request
        if "model_monitoring_spec" in request.model_monitoring_job:
            return request.model_monitoring_job.model_monitoring_spec
        monitor = self._find(self.monitors, request.parent)
        objective = v1beta1.ModelMonitoringObjectiveSpec(
            tabular_objective=monitor.tabular_objective, baseline_dataset=monitor.training_dataset
        )
        return v1beta1.ModelMonitoringSpec(
            objective_spec=objective, notification_spec=monitor.notification_spec, output_spec=monitor.output_spec
        )

    # -- model monitors ------------------------------------------------------------------------
    def _check_monitor(self, monitor: v1beta1.ModelMonitor) -> None:
        drift = monitor.tabular_objective.feature_drift_spec
        declared = {f.name for f in monitor.model_monitoring_schema.feature_fields}
        # REF#modelmonitoringobjectivespec.datadriftspec: features "should be a subset of the input feature names".
        unknown = sorted(set(drift.features) - declared)
        if unknown:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"drift features {unknown} are not in the schema")
        bad_types = sorted({f.data_type for f in monitor.model_monitoring_schema.feature_fields} - DATA_TYPES)
        if bad_types:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"data types {bad_types}; supported: {sorted(DATA_TYPES)}")
        if drift.categorical_metric_type and drift.categorical_metric_type not in CATEGORICAL_METRICS:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"categorical metric {drift.categorical_metric_type}")
        if drift.numeric_metric_type and drift.numeric_metric_type not in NUMERIC_METRICS:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"numeric metric {drift.numeric_metric_type}")
        # REF#modelmonitor: the target is a model in the Vertex AI Model Registry.
        if not monitor.model_monitoring_target.vertex_model.model:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "model_monitoring_target.vertex_model.model is required")

    def _create_monitor(self, request: v1beta1.CreateModelMonitorRequest) -> Any:
        if request.model_monitor_id and not MONITOR_ID.fullmatch(request.model_monitor_id):
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"model_monitor_id {request.model_monitor_id!r}")
        name = self.canonical(f"{request.parent}/modelMonitors/{request.model_monitor_id or self.next_id()}")
        if name in self.monitors:
            raise Rejected(grpc.StatusCode.ALREADY_EXISTS, f"{name} already exists")
        self._check_monitor(request.model_monitor)

        def apply() -> v1beta1.ModelMonitor:
            monitor = v1beta1.ModelMonitor(request.model_monitor)
            monitor.name = name
            self.monitors[name] = monitor
            return monitor

        # REF#modelmonitoringservice: CreateModelMonitor returns a google.longrunning.Operation.
        return self.operation("CreateModelMonitor", apply)

    def _find(self, table: dict[str, T], name: str) -> T:
        canonical = self.canonical(name)
        if canonical not in table:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"{name} not found")
        return table[canonical]

    def _under(self, table: dict[str, T], parent: str) -> list[T]:
        """What a List call answers: the resources of one location."""
        prefix = f"{self.canonical(parent)}/"
        return [resource for name, resource in table.items() if name.startswith(prefix)]

    def _get_monitor(self, request: v1beta1.GetModelMonitorRequest) -> v1beta1.ModelMonitor:
        return self._find(self.monitors, request.name)

    def _list_monitors(self, request: v1beta1.ListModelMonitorsRequest) -> v1beta1.ListModelMonitorsResponse:
        return v1beta1.ListModelMonitorsResponse(model_monitors=self._under(self.monitors, request.parent))

    def _update_monitor(self, request: v1beta1.UpdateModelMonitorRequest) -> Any:
        monitor = self._find(self.monitors, request.model_monitor.name)
        paths = list(request.update_mask.paths)
        # REF#updatemodelmonitorrequest: "update_mask: Required. Mask specifying which fields to update."
        if not paths or "name" in paths:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"update_mask {paths} must name updatable fields")
        updated = v1beta1.ModelMonitor(monitor)
        for path in paths:
            setattr(updated, path, getattr(request.model_monitor, path))
        self._check_monitor(updated)

        def apply() -> v1beta1.ModelMonitor:
            self.monitors[monitor.name] = updated
            return updated

        return self.operation("UpdateModelMonitor", apply)

    def _delete_monitor(self, request: v1beta1.DeleteModelMonitorRequest) -> Any:
        monitor = self._find(self.monitors, request.name)
        attached = self.schedules_of(monitor.name)
        # REF#deletemodelmonitorrequest: "force: Optional. Force delete the model monitor with schedules."
        if attached and not request.force:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"{monitor.name} has schedules; delete them or force")

        def apply() -> empty_pb2.Empty:
            for schedule in attached:
                del self.schedules[schedule.name]
            del self.monitors[monitor.name]
            return empty_pb2.Empty()

        return self.operation("DeleteModelMonitor", apply)

    # -- schedules ---------------------------------------------------------------------------
    def _check_schedule(self, schedule: v1beta1.Schedule) -> None:
        # REF#schedule: display_name and max_concurrent_run_count are required; cron is a cron schedule.
        if not schedule.display_name:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "display_name is required")
        if len(schedule.display_name) > MAX_DISPLAY_NAME:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"display_name is over {MAX_DISPLAY_NAME} characters")
        if schedule.max_concurrent_run_count < 1:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "max_concurrent_run_count is required")
        if not croniter.is_valid(schedule.cron):
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"cron {schedule.cron!r} is not a cron schedule")
        if "create_pipeline_job_request" in schedule:
            # schedule.proto:86-89: "CreatePipelineJobRequest.parent field is required (format:
            # projects/{project}/locations/{location})".
            if not LOCATION.fullmatch(schedule.create_pipeline_job_request.parent):
                raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "create_pipeline_job_request.parent is required")
            return
        # schedule.proto:82-85: "Required. The API request template to launch the scheduled runs" (a oneof;
        # this fake runs pipeline and monitoring requests, not notebook executions).
        if "create_model_monitoring_job_request" not in schedule:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "a schedule needs a request template to launch its runs")
        request = schedule.create_model_monitoring_job_request
        # schedule.proto:84: "User-specified ID is not supported in the request template."
        if request.model_monitoring_job_id:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "model_monitoring_job_id is not supported in a schedule")
        if len(request.model_monitoring_job.display_name) > MAX_DISPLAY_NAME:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"job display_name is over {MAX_DISPLAY_NAME} characters")
        objective = request.model_monitoring_job.model_monitoring_spec.objective_spec
        for dataset in (objective.baseline_dataset, objective.target_dataset):
            for amount in (dataset.time_offset.offset, dataset.time_offset.window):
                if amount and not TIME_AMOUNT.fullmatch(amount):
                    raise Rejected(
                        grpc.StatusCode.INVALID_ARGUMENT, f"time offset {amount!r}: use a number and w, d or h"
                    )
        # model_monitoring_service.proto:295-303: parent is the ModelMonitor the jobs are created under.
        self._find(self.monitors, request.parent)

    def _create_schedule(self, request: v1beta1.CreateScheduleRequest) -> v1beta1.Schedule:
        self._check_schedule(request.schedule)
        schedule = v1beta1.Schedule(request.schedule)
        schedule.name = self.canonical(f"{request.parent}/schedules/{self.next_id()}")
        # REF#schedule.state: a new schedule is ACTIVE; REF#scheduleservice: CreateSchedule returns the Schedule.
        schedule.state = v1beta1.Schedule.State.ACTIVE
        self.schedules[schedule.name] = schedule
        return schedule

    def _get_schedule(self, request: v1beta1.GetScheduleRequest) -> v1beta1.Schedule:
        return self._find(self.schedules, request.name)

    def _list_schedules(self, request: v1beta1.ListSchedulesRequest) -> v1beta1.ListSchedulesResponse:
        return v1beta1.ListSchedulesResponse(schedules=self._under(self.schedules, request.parent))

    def _update_schedule(self, request: v1beta1.UpdateScheduleRequest) -> v1beta1.Schedule:
        current = self._find(self.schedules, request.schedule.name)
        updated = v1beta1.Schedule(current)
        for path in request.update_mask.paths:
            value = getattr(request.schedule, path)
            # REF#updateschedulerequest: "The non-empty fields cannot be unset."
            if not value and getattr(current, path):
                raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"{path} cannot be unset")
            setattr(updated, path, value)
        # schedule_service.proto:301: "The scheduled request type cannot be changed."
        if v1beta1.Schedule.pb(current).WhichOneof("request") != v1beta1.Schedule.pb(updated).WhichOneof("request"):
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "the scheduled request type cannot be changed")
        self._check_schedule(updated)
        self.schedules[current.name] = updated
        return updated

    def _delete_schedule(self, request: v1beta1.DeleteScheduleRequest) -> Any:
        schedule = self._find(self.schedules, request.name)

        def apply() -> empty_pb2.Empty:
            del self.schedules[schedule.name]
            return empty_pb2.Empty()

        # REF#scheduleservice: DeleteSchedule returns a google.longrunning.Operation.
        return self.operation("DeleteSchedule", apply)
