"""The metric types alert policies and dashboards read, and the filters that select one model's series.

Only types listed in `metric_types.yaml` are used: Google's documented Vertex AI list, with its
source, and the custom quality metrics this repository declares. Online prediction metrics sit on
the `aiplatform.googleapis.com/Endpoint` resource (label `endpoint_id`); Model Monitoring v2 writes
drift on `aiplatform.googleapis.com/Model`, one series per `schedule_id` and `feature_name`; the
model-quality pipeline writes on `global`, one series per model, version, stack and metric.
"""

from __future__ import annotations

from collections.abc import Iterable

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


SERVER_ERRORS = 'metric.label.response_code = starts_with("5")'
TOTAL_LATENCY = 'metric.label.latency_type = "total"'
