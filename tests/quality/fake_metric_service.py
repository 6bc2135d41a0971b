"""An in-process Cloud Monitoring MetricService: the real monitoring_v3 messages, for the points the pipeline writes.

Each rule follows Google's documentation, cited where it is enforced with a tag from this list:

[create]    https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/create (and the
            CreateTimeSeriesRequest docstring of google-cloud-monitoring 2.32.0): "Adds at most one data point
            to each of several time series. The new data point must be more recent than any other point in its
            time series. Each TimeSeries value must fully specify a unique time series ... The maximum number
            of TimeSeries objects per Create request is 200." "If any time series could not be written, a
            corresponding failure message is included in the error response."
[points]    TimeSeries.points (google.monitoring.v3.TimeSeries): "When creating a time series, this field must
            contain exactly one point and the point's type must be the same as the value type of the
            associated metric."
[kind]      TimeSeries.metric_kind: "When creating a time series, this field is optional. If present, it must
            be the same as the metric kind of the associated metric."
[interval]  TimeInterval (google.monitoring.v3.TimeInterval, writes): "the end time must not be more than 25
            hours in the past or more than five minutes in the future. For GAUGE metrics, the startTime value is
            technically optional; if no value is specified, the start time defaults to the value of the end
            time ... If both start and end times are specified, they must be identical."
[labels]    google.api.Metric.labels: "The set of label values that uniquely identify this metric. All labels
            listed in the MetricDescriptor must be assigned values."; MetricDescriptor.labels: "The set of labels
            that can be used to describe a specific instance of this metric type" (none other).
[resource]  https://cloud.google.com/monitoring/custom-metrics#which-resource (user-defined metrics may use
            `global`, whose one label is project_id: https://cloud.google.com/monitoring/api/resources#tag_global)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import grpc
from google.api import metric_pb2
from google.cloud import monitoring_v3 as v3
from google.protobuf import empty_pb2

from tests.providers.grpc_fake import GrpcFake, Method, Rejected

SERVICE = "google.monitoring.v3.MetricService"
MAX_SERIES = 200  # [create]
OLDEST = timedelta(hours=25)  # [interval]
NEWEST = timedelta(minutes=5)  # [interval]
RESOURCES = {"global": {"project_id"}}  # [resource]: the one this fake knows
VALUE_FIELD = {  # [points]: the Point value a descriptor's value type takes
    metric_pb2.MetricDescriptor.ValueType.DOUBLE: "double_value",
    metric_pb2.MetricDescriptor.ValueType.INT64: "int64_value",
    metric_pb2.MetricDescriptor.ValueType.BOOL: "bool_value",
}


class FakeMetricService(GrpcFake):
    """Descriptors the project declares, and every point written; `now` is the server's clock (settable)."""

    readonly = frozenset({"GetOperation"})

    def __init__(self, descriptors: list[metric_pb2.MetricDescriptor], now: Callable[[], datetime]) -> None:
        super().__init__()
        self.descriptors = {d.type: d for d in descriptors}
        self.now = now
        self.series: dict[
            tuple[str, tuple[tuple[str, str], ...], str, tuple[tuple[str, str], ...]], list[v3.Point]
        ] = {}

    def methods(self) -> list[Method]:
        return [
            (
                SERVICE,
                "CreateTimeSeries",
                v3.CreateTimeSeriesRequest.deserialize,
                lambda _: empty_pb2.Empty().SerializeToString(),
                self._create,
            )
        ]

    def _create(self, request: v3.CreateTimeSeriesRequest) -> None:
        if len(request.time_series) > MAX_SERIES:  # [create]
            raise Rejected(
                grpc.StatusCode.INVALID_ARGUMENT, f"{len(request.time_series)} time series; at most {MAX_SERIES}"
            )
        seen, failures = set(), []
        for index, series in enumerate(request.time_series):
            key = _key(series)
            problem = "appears twice in one request" if key in seen else self._problem(series, key)  # [create]
            seen.add(key)
            if problem:
                failures.append(f"timeSeries[{index}]: {problem}")
            else:
                self.series.setdefault(key, []).append(v3.Point(series.points[0]))
        if failures:  # [create]: the others are written; the failures are the error
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(failures))

    def _problem(self, series: v3.TimeSeries, key: tuple) -> str | None:  # type: ignore[type-arg]
        descriptor = self.descriptors.get(series.metric.type)
        if descriptor is None:
            return f"no metric descriptor {series.metric.type!r} (this fake auto-creates none)"
        declared = {label.key for label in descriptor.labels}
        if set(series.metric.labels) != declared:  # [labels]
            return f"metric labels {sorted(series.metric.labels)}; the descriptor declares {sorted(declared)}"
        wanted = RESOURCES.get(series.resource.type)
        if wanted is None or set(series.resource.labels) != wanted:  # [resource]
            return f"resource {series.resource.type!r} with labels {sorted(series.resource.labels)}"
        if series.metric_kind and int(series.metric_kind) != int(descriptor.metric_kind):  # [kind]
            kinds = metric_pb2.MetricDescriptor.MetricKind
            given, declared = kinds.Name(series.metric_kind), kinds.Name(descriptor.metric_kind)
            return f"metric kind {given}; the descriptor's is {declared}"
        if len(series.points) != 1:  # [points]
            return f"{len(series.points)} points; a create carries exactly one"
        point = series.points[0]
        field = v3.TypedValue.pb(point.value).WhichOneof("value")
        if field != VALUE_FIELD.get(descriptor.value_type):  # [points]
            return f"a {field} point; the descriptor's value type takes {VALUE_FIELD.get(descriptor.value_type)}"
        return self._interval_problem(point, descriptor, key)

    def _interval_problem(self, point: v3.Point, descriptor: metric_pb2.MetricDescriptor, key: tuple) -> str | None:  # type: ignore[type-arg]
        end = point.interval.end_time
        start = point.interval.start_time if v3.TimeInterval.pb(point.interval).HasField("start_time") else None
        if (
            descriptor.metric_kind == metric_pb2.MetricDescriptor.MetricKind.GAUGE
            and start is not None
            and start != end
        ):
            return "a GAUGE point's start time, when given, equals its end time"  # [interval]
        now = self.now()
        if end < now - OLDEST or end > now + NEWEST:  # [interval]
            return f"end time {end.isoformat()} is not within 25 hours before and 5 minutes after {now.isoformat()}"
        earlier = self.series.get(key, [])
        if earlier and end <= earlier[-1].interval.end_time:  # [create]: more recent than any other point
            return f"end time {end.isoformat()} is not after the series' latest point"
        return None


def _key(series: v3.TimeSeries) -> tuple:  # type: ignore[type-arg]
    """A series is its metric type and labels and its resource type and labels."""
    return (
        series.metric.type,
        tuple(sorted(series.metric.labels.items())),
        series.resource.type,
        tuple(sorted(series.resource.labels.items())),
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
