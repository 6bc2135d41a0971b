"""The metric types alert policies and dashboards read, and the filters that select one model's series.

Only types listed in `metric_types.yaml` are used: Google's documented Vertex AI list, with its
source, and the custom quality metrics this repository declares. Online prediction metrics sit on
the `aiplatform.googleapis.com/Endpoint` resource (label `endpoint_id`); Model Monitoring v2 writes
drift on `aiplatform.googleapis.com/Model`, one series per `schedule_id` and `feature_name`; the
model-quality pipeline writes on `global`, one series per model, version, stack and metric.

An endpoint reached through private services access (a peered `privateNetwork`) reports its requests in
another family, `prediction/online/private/*`: "To customize monitoring, query the following metrics:
aiplatform.googleapis.com/prediction/online/private/response_count ... private/prediction_latencies"
(https://cloud.google.com/vertex-ai/docs/predictions/using-private-endpoints, "Monitor private endpoints").
Google's endpoint-type comparison (https://cloud.google.com/vertex-ai/docs/predictions/choose-endpoint-type)
calls only those endpoints "Private endpoint", apart from Private Service Connect endpoints, and no page
says a Private Service Connect endpoint reports the private family: those read the public one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from estaleiro.quality import series

ENDPOINT = "aiplatform.googleapis.com/Endpoint"
MODEL = "aiplatform.googleapis.com/Model"
ONLINE = "aiplatform.googleapis.com/prediction/online"
PREDICTIONS = f"{ONLINE}/prediction_count"
RESPONSES = f"{ONLINE}/response_count"
LATENCIES = f"{ONLINE}/prediction_latencies"
REPLICAS = f"{ONLINE}/replicas"
TARGET_REPLICAS = f"{ONLINE}/target_replicas"
CPU = f"{ONLINE}/cpu/utilization"
FEATURE_DRIFT = "aiplatform.googleapis.com/model_monitoring/feature_drift_deviation"
# "This field must not exceed 2048 Unicode characters in length" (MetricThreshold.filter and
# MetricAbsence.filter, google/monitoring/v3/alert.proto lines 172 and 271; denominator_filter, line 196).
FILTER_LIMIT = 2048
# A schedule's id is the int64 Vertex assigns (Schedule.name ".../schedules/{schedule}"): at most 19 digits.
LONGEST_SCHEDULE_ID = "9" * 19


@dataclass(frozen=True)
class ServingMetrics:
    """The metric family an endpoint reports its requests in, and the terms that select within it."""

    traffic: str  # what the no-traffic condition and the traffic chart count
    traffic_unit: str
    responses: str
    server_errors: Sequence[str]  # the terms that keep 5xx responses
    latencies: str
    total_latency: Sequence[str]  # the terms that keep the total latency, where the family splits it


PUBLIC = ServingMetrics(
    traffic=PREDICTIONS,
    traffic_unit="predictions/s",
    responses=RESPONSES,
    server_errors=['metric.label.response_code = starts_with("5")'],  # a STRING: "1xx ... 5xx"
    latencies=LATENCIES,
    total_latency=['metric.label.latency_type = "total"'],
)
# The private family has no prediction_count (responses count the requests), its response_code is an
# INT64 ("(INT64) HTTP response code", metrics_gcp_a_b), compared as numbers (">, <, >=, <=" on numeric
# labels, https://cloud.google.com/monitoring/api/v3/filters), and its latencies carry no latency_type.
PRIVATE = ServingMetrics(
    traffic=f"{ONLINE}/private/response_count",
    traffic_unit="responses/s",
    responses=f"{ONLINE}/private/response_count",
    server_errors=["metric.label.response_code >= 500", "metric.label.response_code < 600"],
    latencies=f"{ONLINE}/private/prediction_latencies",
    total_latency=[],
)


def serving_metrics(private_services_access: bool) -> ServingMetrics:
    """The family an endpoint reports in: private for a peered (`privateNetwork`) endpoint, else public."""
    return PRIVATE if private_services_access else PUBLIC


def quoted(values: Iterable[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def endpoint_series(metric: str, endpoint_id: str, *conditions: str) -> str:
    """A filter for one endpoint's series of `metric`, narrowed by more `label = value` terms."""
    terms = [
        f'metric.type = "{metric}"',
        f'resource.type = "{ENDPOINT}"',
        f'resource.label.endpoint_id = "{endpoint_id}"',
    ]
    return " AND ".join([*terms, *conditions])


def drift_series(schedule_ids: Iterable[str], features: Iterable[str] = ()) -> str:
    """A filter for the drift a model's monitoring schedules write, optionally for some features only."""
    terms = [
        f'metric.type = "{FEATURE_DRIFT}"',
        f'resource.type = "{MODEL}"',
        f"metric.label.schedule_id = one_of({quoted(schedule_ids)})",
    ]
    features = list(features)
    if features:
        terms.append(f"metric.label.feature_name = one_of({quoted(features)})")
    return " AND ".join(terms)


def drift_chunks(features: Sequence[str], schedules: int) -> list[list[str]]:
    """`features` in runs whose drift filter stays within FILTER_LIMIT for `schedules` schedules of the longest id.

    The schedule ids are known only after the monitors exist, their count before: so each condition's
    filter fits whatever ids Vertex assigns.
    """
    ids = [LONGEST_SCHEDULE_ID] * max(schedules, 1)
    chunks: list[list[str]] = []
    for feature in features:
        if chunks and len(drift_series(ids, [*chunks[-1], feature])) <= FILTER_LIMIT:
            chunks[-1].append(feature)
        else:
            chunks.append([feature])
    too_long = [chunk for chunk in chunks if len(drift_series(ids, chunk)) > FILTER_LIMIT]
    if too_long:
        raise ValueError(f"the drift filter of {schedules} schedules exceeds {FILTER_LIMIT} characters")
    return chunks


def quality_series(metric: str, model: str, stack: str, quality_metric: str) -> str:
    """A filter for one model's quality series in one stack (`series.QUALITY` or `.DECLINED`), one per version."""
    terms = [
        f'metric.type = "{metric}"',
        f'resource.type = "{series.RESOURCE}"',
        f'metric.label.model = "{model}"',
        f'metric.label.stack = "{stack}"',
        f'metric.label.metric = "{quality_metric}"',
    ]
    return " AND ".join(terms)
