"""Vertex AI Model Monitoring v2 for the versions of one model that take traffic: a ModelMonitor and its Schedule each.

pulumi-gcp has no resource for it, and v2 (`ModelMonitor`, attached to a model version, writing
`model_monitoring/feature_drift_deviation` to Cloud Monitoring) exists only in `aiplatform_v1beta1`.
Each served version gets a monitor `<model-display>-<version>` (baseline: the training table its
card names) and a Schedule of the same display name whose `create_model_monitoring_job_request`
compares the endpoint's request log with that baseline on the manifest's cron.

Like the endpoint deployment, every run starts from what Vertex holds now, not from saved
state: missing monitors and schedules are created, changed ones updated, and those of versions
no longer served (schedule first, then monitor) deleted. A re-run after a failure at any step
converges; a run with nothing to change makes no mutating call. Monitors whose id starts with
this model's prefix belong to this resource.

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
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from components.providers.vertex_clients import VertexProvider

MONITOR_ID = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
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


def monitor_id(prefix: str, version: str) -> str:
    """`<prefix>-<version>`; a prefix too long for Vertex's 63 characters keeps its start and a hash."""
    wanted = f"{prefix}-{version}"
    if len(wanted) <= 63:
        return wanted
    digest = hashlib.sha256(prefix.encode()).hexdigest()[:8]
    return f"{prefix[: 62 - len(version) - 9].rstrip('-')}-{digest}-{version}"


def _location(props: Mapping[str, Any]) -> str:
    return f"projects/{props['project']}/locations/{props['region']}"


def _last(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _comparable(message: Any, names: Sequence[str]) -> str:
    """The fields we own, with any project id or number spelled alike (Vertex answers with numbers)."""
    as_dict = type(message).to_dict(message, preserving_proto_field_name=True)
    return PROJECT.sub("projects/_/", json.dumps({key: as_dict.get(key) for key in names}, sort_keys=True))


class ModelMonitorsProvider(VertexProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{_location(props)}/modelMonitors/{props['prefix']}-*", outs=self.reconcile(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self.reconcile(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in ("project", "region", "prefix") if olds.get(key) != news.get(key)]
        inputs = [f.name for f in fields(ModelMonitorsArgs)]
        changed = bool(replaces) or any(olds.get(key) != news.get(key) for key in inputs)
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=True)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The versions Vertex monitors now; a monitor removed by hand shows as a diff on refresh."""
        monitors, schedules = self._existing(props)
        versions = {
            version: spec
            for version, spec in (props.get("versions") or {}).items()
            if monitor_id(props["prefix"], version) in monitors
        }
        observed = {**props, "versions": versions}
        return ReadResult(id_=id_, outs={**observed, **_outs(props, versions, monitors, schedules)}, inputs=observed)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self._retire(props, keep=set())

    def reconcile(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Monitor exactly `props['versions']`; returns the resulting state."""
        monitoring, scheduling = self._clients(props)
        retry = self.clients.retry()
        versions: Mapping[str, Mapping[str, Any]] = props.get("versions") or {}
        monitors, schedules = self._existing(props)
        for version, spec in versions.items():
            wanted = _monitor(props, version, spec)
            current = monitors.get(_last(wanted.name))
            if current is None:
                monitors[_last(wanted.name)] = self._create_monitor(monitoring, props, wanted)
            elif _comparable(current, MONITOR_FIELDS) != _comparable(wanted, MONITOR_FIELDS):
                monitors[_last(wanted.name)] = self._update_monitor(monitoring, current, wanted)
            monitor = monitors[_last(wanted.name)]
            schedule = _schedule(props, monitor.name, spec)
            existing = schedules.get(schedule.display_name)
            if existing is None:
                schedules[schedule.display_name] = scheduling.create_schedule(
                    parent=_location(props), schedule=schedule, retry=retry
                )
            elif _comparable(existing, SCHEDULE_FIELDS) != _comparable(schedule, SCHEDULE_FIELDS):
                from google.protobuf.field_mask_pb2 import FieldMask

                schedule.name = existing.name
                schedules[schedule.display_name] = scheduling.update_schedule(
                    schedule=schedule, update_mask=FieldMask(paths=list(SCHEDULE_FIELDS)), retry=retry
                )
        self._retire(props, keep={monitor_id(props["prefix"], v) for v in versions}, found=(monitors, schedules))
        return {**props, **_outs(props, versions, monitors, schedules)}

    def _clients(self, props: Mapping[str, Any]) -> tuple[Any, Any]:
        return self.clients.model_monitoring_service(props["region"]), self.clients.schedule_service(props["region"])

    def _existing(self, props: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """This model's monitors by id and their schedules by display name (the monitor's id)."""
        monitoring, scheduling = self._clients(props)
        retry, mine = self.clients.retry(), f"{props['prefix']}-"
        monitors = {
            _last(m.name): m
            for m in monitoring.list_model_monitors(parent=_location(props), retry=retry)
            if _last(m.name).startswith(mine)
        }
        schedules = {
            s.display_name: s
            for s in scheduling.list_schedules(parent=_location(props), retry=retry)
            if s.display_name.startswith(mine)
        }
        return monitors, schedules

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
        except AlreadyExists:  # a create whose answer was lost, retried: the monitor is there
            return client.get_model_monitor(name=wanted.name, retry=retry)

    def _update_monitor(self, client: Any, current: Any, wanted: Any) -> Any:
        from google.protobuf.field_mask_pb2 import FieldMask

        paths = [key for key in MONITOR_FIELDS if _comparable(current, [key]) != _comparable(wanted, [key])]
        wanted.name = current.name
        operation = client.update_model_monitor(
            model_monitor=wanted, update_mask=FieldMask(paths=paths), retry=self.clients.retry()
        )
        return self.clients.wait(operation)

    def _retire(
        self, props: Mapping[str, Any], keep: set[str], found: tuple[dict[str, Any], dict[str, Any]] | None = None
    ) -> None:
        """Schedules first (a monitor with schedules refuses deletion), then the monitors."""
        from google.api_core.exceptions import NotFound

        monitoring, scheduling = self._clients(props)
        monitors, schedules = found or self._existing(props)
        retry = self.clients.retry()
        for display_name, schedule in list(schedules.items()):
            if display_name not in keep:
                with contextlib.suppress(NotFound):  # already gone: deleted by an earlier, interrupted run
                    self.clients.wait(scheduling.delete_schedule(name=schedule.name, retry=retry))
                del schedules[display_name]
        for monitor_key, monitor in list(monitors.items()):
            if monitor_key not in keep:
                with contextlib.suppress(NotFound):
                    self.clients.wait(monitoring.delete_model_monitor(name=monitor.name, retry=retry))
                del monitors[monitor_key]


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


def _schedule(props: Mapping[str, Any], monitor: str, spec: Mapping[str, Any]) -> Any:
    from google.cloud.aiplatform_v1beta1 import (
        CreateModelMonitoringJobRequest,
        ModelMonitoringInput,
        ModelMonitoringJob,
        ModelMonitoringObjectiveSpec,
        ModelMonitoringSpec,
        Schedule,
    )

    objective = ModelMonitoringObjectiveSpec(
        tabular_objective=_objective(props),
        baseline_dataset=_training(spec),
        target_dataset=ModelMonitoringInput(
            vertex_endpoint_logs=ModelMonitoringInput.VertexEndpointLogs(endpoints=[props["endpoint"]])
        ),
    )
    job = ModelMonitoringJob(
        display_name=_last(monitor), model_monitoring_spec=ModelMonitoringSpec(objective_spec=objective)
    )
    return Schedule(
        display_name=_last(monitor),
        cron=props["cron"],
        max_concurrent_run_count=1,
        create_model_monitoring_job_request=CreateModelMonitoringJobRequest(parent=monitor, model_monitoring_job=job),
    )


def _outs(
    props: Mapping[str, Any], versions: Mapping[str, Any], monitors: Mapping[str, Any], schedules: Mapping[str, Any]
) -> dict[str, Any]:
    ids = {v: monitor_id(props["prefix"], v) for v in versions}
    return {
        "monitors": {v: monitors[i].name for v, i in ids.items() if i in monitors},
        "schedule_ids": {v: _last(schedules[i].name) for v, i in ids.items() if i in schedules},
    }


def _check(name: str, args: ModelMonitorsArgs) -> None:
    """Fail at registration, naming the resource, rather than halfway through a run."""
    invalid = [key for key in (monitor_id(args.prefix, v.version) for v in args.versions) if not MONITOR_ID.match(key)]
    if invalid:
        pattern = MONITOR_ID.pattern
        raise ValueError(f"ModelMonitors {name}: prefix {args.prefix!r} does not make a Vertex id {pattern}: {invalid}")
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
