"""Vertex AI Model Monitoring v2 for the versions of one model that take traffic: a ModelMonitor and its Schedule each.

pulumi-gcp has no resource for it, and v2 (`ModelMonitor`, attached to a model version, writing
`model_monitoring/feature_drift_deviation` to Cloud Monitoring) exists only in `aiplatform_v1beta1`.
Each served version gets a monitor `<prefix>-<env>-<model>-<version>` (estaleiro.monitoring_ids;
baseline: the training table its card names) and a Schedule of the same display name whose
`create_model_monitoring_job_request` compares the endpoint's request log with that baseline on the
manifest's cron.

Each run starts from what Vertex holds now: missing monitors and schedules are created, changed ones
updated, and those of versions no longer served (schedule first, then monitor) deleted. A re-run
after a failure at any step converges; a run with nothing to change makes no mutating call.

It touches only what it created, by exact name: a region's one list of schedules also holds the
model's own pipeline schedules (`<prefix>-continuous-training`, `<prefix>-model-quality`), and
another model's monitors can start with this model's prefix (`churn-eu` beside `churn`). Its state
records each monitor's name and each schedule's id. A create whose answer was lost before the
state was saved is recognised by what this provider chose itself: the monitor id it passes as
`model_monitor_id`, and for a schedule (whose id Vertex chooses: CreateScheduleRequest has no id
field, schedule_service.proto:129-141) a display name equal to one of those monitor ids AND a job
request running that very monitor. Anything else in the region is left alone. One gap: a monitor
created by a run that failed, whose version is then withdrawn before any run succeeds, is in no
state and wanted by no one; it stays, and a later run that serves that version adopts it.

Every scheduled job carries the monitor's objective, output and notification specs: a job's spec
replaces the monitor's whole (model_monitoring_job.proto:51-56), as Google's SDK knows
(vertexai/resources/preview/ml_monitoring/model_monitors.py, `ModelMonitor.create_schedule`,
google-cloud-aiplatform 2.7.0, lines 786-815, copies `output_spec` and `notification_spec` from the
monitor).
Each run reads the requests logged since the run before (estaleiro.monitoring_window).

v2 is a preview: v1beta1 has no SLA and may change incompatibly. That touches this provider and
its fake (messages and methods), and the drift alert policy and dashboard chart (they read the
v2 metric). Switching to v1 (GA, `JobService`) means one `ModelDeploymentMonitoringJob` per
endpoint instead of a monitor per version: objective configs per deployed model id with the same
thresholds, `logging_sampling_strategy` from `samplingRate`, an hourly-granular
`monitor_interval` instead of the cron, and the job updated on every traffic change. v1 writes
anomalies to Cloud Logging only, so drift alerts would become log-based alert policies
(`condition_matched_log`) and the dashboard's drift chart a log-based metric.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from components.providers.vertex_clients import VertexProvider
from estaleiro.monitoring_ids import monitor_id, monitor_id_problem
from estaleiro.monitoring_window import monitoring_window, window_problem

DATA_TYPES = {"numerical": "float", "categorical": "categorical"}
# TFDV's measures, which Vertex uses: L-infinity for categorical, Jensen-Shannon for numeric features.
NUMERIC_METRIC = "jensen_shannon_divergence"  # Vertex offers no other for numerical features
MONITOR_FIELDS = (
    "display_name",
    "model_monitoring_target",
    "training_dataset",
    "model_monitoring_schema",
    "tabular_objective",
    "notification_spec",
    "output_spec",
    "encryption_spec",
)
SCHEDULE_FIELDS = ("cron", "max_concurrent_run_count", "create_model_monitoring_job_request")
PROJECT = re.compile(r"projects/[^/]+/")


@dataclass(frozen=True)
class MonitoredVersion:
    version: str
    model: pulumi.Input[str]
    version_id: pulumi.Input[str]
    training_table: str


@dataclass(frozen=True)
class ModelMonitorsArgs:
    project: str
    region: str
    prefix: str
    endpoint: pulumi.Input[str]
    features: Mapping[str, str]
    thresholds: Mapping[str, float]
    categorical_metric: str  # Vertex's name: l_infinity or jensen_shannon_divergence
    cron: str
    output_uri: pulumi.Input[str]
    encryption_key: pulumi.Input[str]
    versions: Sequence[MonitoredVersion]


def _location(props: Mapping[str, Any]) -> str:
    return f"projects/{props['project']}/locations/{props['region']}"


def _last(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _spelled_alike(name: str) -> str:
    """A resource name with its project spelled one way (Vertex answers with the number, we send the id)."""
    return PROJECT.sub("projects/_/", name)


def _comparable(message: Any, names: Sequence[str]) -> str:
    """The fields we own, with any project id or number spelled alike (Vertex answers with numbers)."""
    as_dict = type(message).to_dict(message, preserving_proto_field_name=True)
    return _spelled_alike(json.dumps({key: as_dict.get(key) for key in names}, sort_keys=True))


@dataclass
class Ours:
    """What this resource created that Vertex holds now: monitors by id, and each monitor id's schedules
    (more than one only when a create was retried after its answer was lost), recorded ones first."""

    monitors: dict[str, Any]
    schedules: dict[str, list[Any]]

    def schedule(self, key: str) -> Any | None:
        return next(iter(self.schedules.get(key, [])), None)


class ModelMonitorsProvider(VertexProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{_location(props)}/modelMonitors/{props['prefix']}-*", outs=self.reconcile(props, {}))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self.reconcile(news, olds))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in ("project", "region", "prefix") if olds.get(key) != news.get(key)]
        inputs = [f.name for f in fields(ModelMonitorsArgs)]
        changed = bool(replaces) or any(olds.get(key) != news.get(key) for key in inputs)
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=True)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The versions Vertex monitors now; a monitor removed by hand shows as a diff on refresh."""
        ours = self._ours(props, props)
        versions = {
            version: spec
            for version, spec in (props.get("versions") or {}).items()
            if monitor_id(props["prefix"], version) in ours.monitors
        }
        observed = {**props, "versions": versions}
        monitors = {v: ours.monitors[monitor_id(props["prefix"], v)] for v in versions}
        schedules = {v: ours.schedule(monitor_id(props["prefix"], v)) for v in versions}
        return ReadResult(id_=id_, outs={**observed, **_outs(monitors, schedules)}, inputs=observed)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self._retire(props, self._ours(props, props), monitors_kept=set(), schedules_kept=set())

    def reconcile(self, props: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
        """Monitor exactly `props['versions']`, knowing what this resource created from `state`."""
        monitoring, scheduling = self._clients(props)
        retry = self.clients.retry()
        versions: Mapping[str, Mapping[str, Any]] = props.get("versions") or {}
        ours = self._ours(props, state)
        monitors: dict[str, Any] = {}
        schedules: dict[str, Any] = {}
        for version, spec in versions.items():
            wanted = _monitor(props, version, spec)
            key = _last(wanted.name)
            current = ours.monitors.get(key)
            if current is None:
                current = self._create_monitor(monitoring, props, wanted)
            elif _comparable(current, MONITOR_FIELDS) != _comparable(wanted, MONITOR_FIELDS):
                current = self._update_monitor(monitoring, current, wanted)
            monitors[version] = current
            schedule = _schedule(props, wanted, current.name)
            existing = ours.schedule(key)
            if existing is None:
                existing = scheduling.create_schedule(parent=_location(props), schedule=schedule, retry=retry)
            elif _comparable(existing, SCHEDULE_FIELDS) != _comparable(schedule, SCHEDULE_FIELDS):
                from google.protobuf.field_mask_pb2 import FieldMask

                schedule.name = existing.name
                existing = scheduling.update_schedule(
                    schedule=schedule, update_mask=FieldMask(paths=list(SCHEDULE_FIELDS)), retry=retry
                )
            schedules[version] = existing
        self._retire(
            props,
            ours,
            monitors_kept={_last(m.name) for m in monitors.values()},
            schedules_kept={s.name for s in schedules.values()},
        )
        return {**props, **_outs(monitors, schedules)}

    def _clients(self, props: Mapping[str, Any]) -> tuple[Any, Any]:
        return self.clients.model_monitoring_service(props["region"]), self.clients.schedule_service(props["region"])

    def _ours(self, props: Mapping[str, Any], state: Mapping[str, Any]) -> Ours:
        """The monitors and schedules `state` records, and those a lost answer left under the ids we choose."""
        monitoring, scheduling = self._clients(props)
        retry = self.clients.retry()
        monitor_ids = {_last(name) for name in (state.get("monitors") or {}).values()}
        monitor_ids |= {monitor_id(props["prefix"], version) for version in props.get("versions") or {}}
        monitor_names = {_spelled_alike(f"{_location(props)}/modelMonitors/{key}"): key for key in monitor_ids}
        recorded = set((state.get("schedule_ids") or {}).values())
        monitors = {
            _last(m.name): m
            for m in monitoring.list_model_monitors(parent=_location(props), retry=retry)
            if _spelled_alike(m.name) in monitor_names
        }
        schedules: dict[str, list[Any]] = defaultdict(list)
        for schedule in scheduling.list_schedules(parent=_location(props), retry=retry):
            if "create_model_monitoring_job_request" not in schedule:
                continue  # a pipeline's or a notebook's schedule
            runs = monitor_names.get(_spelled_alike(schedule.create_model_monitoring_job_request.parent))
            if runs is not None and (_last(schedule.name) in recorded or schedule.display_name == runs):
                schedules[runs].append(schedule)
        for found in schedules.values():
            found.sort(key=lambda schedule: _last(schedule.name) not in recorded)
        return Ours(monitors, dict(schedules))

    def _create_monitor(self, client: Any, props: Mapping[str, Any], wanted: Any) -> Any:
        from google.api_core.exceptions import AlreadyExists
        from google.cloud.aiplatform_v1beta1 import CreateModelMonitorRequest

        retry = self.clients.retry()
        request = CreateModelMonitorRequest(
            parent=_location(props), model_monitor=wanted, model_monitor_id=_last(wanted.name)
        )
        try:
            operation = client.create_model_monitor(request=request, retry=retry)
            return self.clients.wait(operation)
        except AlreadyExists:  # the create of an earlier run finished after that run listed: the monitor is there
            return client.get_model_monitor(name=wanted.name, retry=retry)

    def _update_monitor(self, client: Any, current: Any, wanted: Any) -> Any:
        from google.protobuf.field_mask_pb2 import FieldMask

        paths = [key for key in MONITOR_FIELDS if _comparable(current, [key]) != _comparable(wanted, [key])]
        wanted.name = current.name
        operation = client.update_model_monitor(
            model_monitor=wanted, update_mask=FieldMask(paths=paths), retry=self.clients.retry()
        )
        return self.clients.wait(operation)

    def _retire(self, props: Mapping[str, Any], ours: Ours, monitors_kept: set[str], schedules_kept: set[str]) -> None:
        """Our schedules, then our monitors, not kept. A monitor deletion is not forced: a schedule someone
        else attached to it makes Vertex refuse, rather than this resource delete what it did not create."""
        from google.api_core.exceptions import NotFound

        monitoring, scheduling = self._clients(props)
        retry = self.clients.retry()
        for schedule in (s for found in ours.schedules.values() for s in found if s.name not in schedules_kept):
            with contextlib.suppress(NotFound):  # already gone: deleted by an earlier, interrupted run
                self.clients.wait(scheduling.delete_schedule(name=schedule.name, retry=retry))
        for key, monitor in ours.monitors.items():
            if key not in monitors_kept:
                with contextlib.suppress(NotFound):
                    self.clients.wait(monitoring.delete_model_monitor(name=monitor.name, retry=retry))


def _objective(props: Mapping[str, Any]) -> Any:
    from google.cloud.aiplatform_v1beta1 import ModelMonitoringAlertCondition, ModelMonitoringObjectiveSpec

    features, thresholds = dict(props["features"]), dict(props["thresholds"])
    drift = ModelMonitoringObjectiveSpec.DataDriftSpec(
        features=list(features),
        categorical_metric_type=props["categorical_metric"],
        numeric_metric_type=NUMERIC_METRIC,
        feature_alert_conditions={f: ModelMonitoringAlertCondition(threshold=float(thresholds[f])) for f in features},
    )
    return ModelMonitoringObjectiveSpec.TabularObjective(feature_drift_spec=drift)


def _training(spec: Mapping[str, Any]) -> Any:
    from google.cloud.aiplatform_v1beta1 import ModelMonitoringInput

    dataset = ModelMonitoringInput.ModelMonitoringDataset
    link = spec["training_table"]
    if link.startswith("gs://"):  # a CSV snapshot the training pipeline stored beside the model
        csv = dataset.ModelMonitoringGcsSource(gcs_uri=link, format_=dataset.ModelMonitoringGcsSource.DataFormat.CSV)
        return ModelMonitoringInput(columnized_dataset=dataset(gcs_source=csv))
    source = dataset.ModelMonitoringBigQuerySource(table_uri=link)
    return ModelMonitoringInput(columnized_dataset=dataset(bigquery_source=source))


def _monitor(props: Mapping[str, Any], version: str, spec: Mapping[str, Any]) -> Any:
    from google.cloud.aiplatform_v1beta1 import (
        EncryptionSpec,
        GcsDestination,
        ModelMonitor,
        ModelMonitoringNotificationSpec,
        ModelMonitoringOutputSpec,
        ModelMonitoringSchema,
    )

    key = monitor_id(props["prefix"], version)
    target = ModelMonitor.ModelMonitoringTarget.VertexModelSource(
        model=spec["model"], model_version_id=str(spec["version_id"])
    )
    schema = ModelMonitoringSchema(
        feature_fields=[
            ModelMonitoringSchema.FieldSchema(name=name, data_type=DATA_TYPES[kind])
            for name, kind in props["features"].items()
        ]
    )
    return ModelMonitor(
        name=f"{_location(props)}/modelMonitors/{key}",
        display_name=key,
        model_monitoring_target=ModelMonitor.ModelMonitoringTarget(vertex_model=target),
        training_dataset=_training(spec),
        model_monitoring_schema=schema,
        tabular_objective=_objective(props),
        # Alerts go through Cloud Monitoring policies on the drift metric; anomalies are also logged.
        notification_spec=ModelMonitoringNotificationSpec(enable_cloud_logging=True),
        output_spec=ModelMonitoringOutputSpec(
            gcs_base_directory=GcsDestination(output_uri_prefix=f"{props['output_uri']}/{key}")
        ),
        encryption_spec=EncryptionSpec(kms_key_name=props["encryption_key"]),
    )


def _schedule(props: Mapping[str, Any], wanted: Any, monitor: str) -> Any:
    """Runs of `monitor` on the cron, each with the monitor's whole spec (the job's replaces it) and the
    window since the run before."""
    from google.cloud.aiplatform_v1beta1 import (
        CreateModelMonitoringJobRequest,
        ModelMonitoringInput,
        ModelMonitoringJob,
        ModelMonitoringObjectiveSpec,
        ModelMonitoringSpec,
        Schedule,
    )

    objective = ModelMonitoringObjectiveSpec(
        tabular_objective=wanted.tabular_objective,
        baseline_dataset=wanted.training_dataset,
        target_dataset=ModelMonitoringInput(
            vertex_endpoint_logs=ModelMonitoringInput.VertexEndpointLogs(endpoints=[props["endpoint"]]),
            time_offset=ModelMonitoringInput.TimeOffset(window=monitoring_window(props["cron"])),
        ),
    )
    spec = ModelMonitoringSpec(
        objective_spec=objective, notification_spec=wanted.notification_spec, output_spec=wanted.output_spec
    )
    job = ModelMonitoringJob(display_name=_last(monitor), model_monitoring_spec=spec)
    return Schedule(
        display_name=_last(monitor),
        cron=props["cron"],
        max_concurrent_run_count=1,
        create_model_monitoring_job_request=CreateModelMonitoringJobRequest(parent=monitor, model_monitoring_job=job),
    )


def _outs(monitors: Mapping[str, Any], schedules: Mapping[str, Any]) -> dict[str, Any]:
    """What this resource owns, per version: its monitor's name and its schedule's id (in the monitor's region)."""
    return {
        "monitors": {version: monitor.name for version, monitor in monitors.items()},
        "schedule_ids": {version: _last(s.name) for version, s in schedules.items() if s is not None},
    }


def _check(name: str, args: ModelMonitorsArgs) -> None:
    """Fail at registration, naming the resource, rather than halfway through a run."""
    problems = [monitor_id_problem(args.prefix, v.version) for v in args.versions] + [window_problem(args.cron)]
    for problem in problems:
        if problem is not None:
            raise ValueError(f"ModelMonitors {name}: {problem}")
    undeclared = sorted(set(args.thresholds) ^ set(args.features))
    if undeclared:
        raise ValueError(f"ModelMonitors {name}: thresholds and features disagree on {', '.join(undeclared)}")
    unknown = sorted(set(args.features.values()) - set(DATA_TYPES))
    if unknown:
        raise ValueError(f"ModelMonitors {name}: feature types {unknown}; allowed: {', '.join(DATA_TYPES)}")


class ModelMonitors(pulumi.dynamic.Resource, module="vertex", name="ModelMonitors"):
    monitors: pulumi.Output[Mapping[str, str]]
    schedule_ids: pulumi.Output[Mapping[str, str]]

    def __init__(self, name: str, args: ModelMonitorsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _check(name, args)
        props = {f.name: getattr(args, f.name) for f in fields(args) if f.name != "versions"}
        props.update(
            features=dict(args.features),
            thresholds=dict(args.thresholds),
            versions={
                v.version: {"model": v.model, "version_id": v.version_id, "training_table": v.training_table}
                for v in args.versions
            },
            monitors=None,
            schedule_ids=None,
        )
        super().__init__(ModelMonitorsProvider(), name, props, opts)
