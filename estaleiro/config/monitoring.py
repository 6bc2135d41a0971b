"""The `monitoring` block of a model manifest: what is watched, against which thresholds, who hears of it.

Every field has a default, so a manifest without the block is still watched for errors,
latency and saturation; drift needs the features declared. Precedence: the manifest's
values > the defaults written here. `estaleiro drift --model` reads the same block.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from estaleiro.config.types import Cron, Email, Frozen, Threshold
from estaleiro.monitoring_window import window_problem

FeatureName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
FeatureType = Literal["numerical", "categorical"]
Fraction = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1)]
Rate = Annotated[StrictFloat | StrictInt, Field(gt=0, le=1)]
BIGQUERY_TABLE = re.compile(r"^bq://[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_$-]{1,1024}$")


class Drift(Frozen):
    """When a feature's drift alerts: Vertex AI's DataDriftSpec (metric types, default and per-feature thresholds)."""

    categorical_metric: Literal["l_infinity", "jensen_shannon_divergence"] = Field(
        default="l_infinity",
        alias="categoricalMetric",
        description="distance for categorical features; numerical features always use jensen_shannon_divergence",
    )
    default_threshold: Fraction = Field(default=0.3, alias="defaultThreshold")
    thresholds: dict[FeatureName, Fraction] = Field(
        default_factory=dict, description="per-feature overrides; must name declared features"
    )

    def threshold(self, feature: str) -> float:
        return float(self.thresholds.get(feature, self.default_threshold))


class Alerts(Frozen):
    """When serving alerts fire; each holds for the alert's window before anyone is paged."""

    error_ratio: Rate = Field(
        default=0.05, alias="errorRatio", description="share of responses that are 5xx, in (0, 1]"
    )
    p99_latency_ms: Annotated[StrictInt, Field(ge=1, le=600_000)] = Field(
        default=1000, alias="p99LatencyMs", description="99th percentile of total prediction latency, in ms"
    )
    saturation: Rate = Field(
        default=1.0, description="share of maxReplicas at which serving counts as saturated, in (0, 1]"
    )


DURATION = re.compile(r"^([0-9]{1,4})([mhd])$")
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86_400}


def _duration(text: str) -> str:
    if not DURATION.match(text):
        raise ValueError(f"got {text!r}, expected a count and a unit (m, h or d) such as '2d', '12h' or '90m'")
    return text


Duration = Annotated[StrictStr, AfterValidator(_duration)]


def seconds(duration: str) -> int:
    """'2d' -> 172800: what the quality query's window and label delay parameters take."""
    count, unit = DURATION.match(duration).groups()  # type: ignore[union-attr]  # validated on load
    return int(count) * UNIT_SECONDS[unit]


# The metrics the quality query computes exactly in SQL (estaleiro/quality/query.sql); each is a
# METRICS name of estaleiro/training/metrics.py (a test holds both to it). precision_at_10pct is
# left out: its top decile breaks ties by row order, which SQL does not have.
QualityMetric = Literal["auc", "log_loss", "brier", "accuracy", "precision", "recall"]


class Decline(Frozen):
    """Quality has declined when `windows` of the last `of` countable windows miss the threshold."""

    windows: Annotated[StrictInt, Field(ge=1, le=100)] = 2
    of: Annotated[StrictInt, Field(ge=1, le=100)] = 3

    @model_validator(mode="after")
    def _n_of_m(self) -> Decline:
        if self.windows > self.of:
            raise ValueError(f"windows ({self.windows}) is above of ({self.of}): the rule could never hold")
        return self


class Quality(Frozen):
    """Served quality from late ground truth: which labels, how late, per what window, judged how."""

    labels: StrictStr | None = Field(
        default=None,
        description="an external ground-truth table bq://project.dataset.table with request_key, label, label_time; "
        "absent: the stack declares one per model, <prefix>_<env>_ground_truth.<model>",
    )
    label_delay: Duration = Field(
        default="2d", alias="labelDelay", description="how long labels take to arrive; younger windows wait"
    )
    window: Duration = Field(default="1d", description="width of a measured window, aligned to UTC midnight")
    minimum_coverage: Rate = Field(
        default=0.5,
        alias="minimumCoverage",
        description="share of a window's predictions that must be labelled for it to count, in (0, 1]",
    )
    metric: QualityMetric = "auc"
    threshold: Threshold = Field(description="bounds the metric must meet, {min} and/or {max}")
    decline: Decline = Field(default_factory=Decline)
    schedule: Cron = Field(
        default="0 6 * * *", description="cron of the model-quality pipeline's runs (Vertex Schedule syntax, UTC)"
    )

    @field_validator("labels")
    @classmethod
    def _table(cls, labels: str | None) -> str | None:
        if labels is not None and not BIGQUERY_TABLE.match(labels):
            raise ValueError(f"got {labels!r}, expected a BigQuery table such as bq://project.dataset.table")
        return labels

    @field_validator("window")
    @classmethod
    def _wide_enough(cls, window: str) -> str:
        if seconds(window) < UNIT_SECONDS["h"]:
            raise ValueError(f"got {window!r}, expected at least '1h': a window needs enough labels to measure")
        return window

    @field_validator("schedule")
    @classmethod
    def _daily(cls, schedule: str) -> str:
        """The decline alert reads the latest verdict of the last 25 hours (components/monitoring/alerts.py)."""
        if schedule.split()[2:] != ["*", "*", "*"]:
            raise ValueError(
                f"got {schedule!r}, expected a cron that runs every day (day, month and weekday '*', such as "
                "'0 6 * * *'): the decline alert reads the latest verdict of the last 25 hours"
            )
        return schedule

    @property
    def window_delta(self) -> timedelta:
        return timedelta(seconds=seconds(self.window))

    @property
    def label_delay_delta(self) -> timedelta:
        return timedelta(seconds=seconds(self.label_delay))


class Monitoring(Frozen):
    """Features and drift thresholds, request logging, the monitoring schedule, alert thresholds, recipients."""

    features: dict[FeatureName, FeatureType] = Field(
        default_factory=dict, description="every monitored feature and its type (numerical | categorical)"
    )
    drift: Drift = Field(default_factory=Drift)
    request_logging: StrictBool = Field(
        default=True,
        alias="requestLogging",
        description="log a sample of requests and responses to BigQuery, which drift and quality read; "
        "a stack serving through privateNetwork cannot (set false there)",
    )
    sampling_rate: Rate = Field(
        default=1.0, alias="samplingRate", description="share of prediction requests logged to BigQuery, in (0, 1]"
    )
    schedule: Cron = Field(
        default="0 * * * *", description="cron of the drift monitoring runs (Vertex Schedule syntax, UTC)"
    )
    alerts: Alerts = Field(default_factory=Alerts)
    notification_emails: tuple[Email, ...] = Field(
        default=(), alias="notificationEmails", description="notified besides the stack's notificationEmails"
    )
    retrain_every_hours: Annotated[StrictInt, Field(ge=1, le=8760)] = Field(
        default=24,
        alias="retrainEveryHours",
        description="an alert starts at most one training run of the model per this many hours, in [1, 8760]",
    )
    quality: Quality | None = Field(
        default=None, description="served quality measured from late ground truth; absent: not measured"
    )

    @field_validator("schedule")
    @classmethod
    def _evenly_spaced(cls, schedule: str) -> str:
        """Each drift run reads the requests logged since the run before (estaleiro/monitoring_window.py)."""
        problem = window_problem(schedule)
        if problem is not None:
            raise ValueError(problem)
        return schedule

    @field_validator("drift")
    @classmethod
    def _declared(cls, drift: Drift, info: ValidationInfo) -> Drift:
        declared = info.data.get("features")
        undeclared = sorted(set(drift.thresholds) - set(declared or drift.thresholds))
        if undeclared:
            allowed = ", ".join(sorted(declared or {})) or "none"
            raise ValueError(f"thresholds name undeclared feature(s) {', '.join(undeclared)}; declared: {allowed}")
        return drift

    @property
    def drift_thresholds(self) -> dict[str, float]:
        """Each declared feature's threshold, the override or the default."""
        return {feature: self.drift.threshold(feature) for feature in self.features}


GCS_CSV = re.compile(r"^gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]/.+\.csv$")
TRAINING_LINK = "model_parameters.training_data.link"


def training_table_problem(link: str) -> str | None:
    """Why a card's training data cannot be Model Monitoring's baseline, or None when it can.

    Model Monitoring v2 reads a baseline from BigQuery or from CSV/JSONL/TFRecord files in Cloud
    Storage (ModelMonitoringInput.ModelMonitoringDataset, v1beta1); Estaleiro writes CSV snapshots.
    """
    if BIGQUERY_TABLE.match(link) or GCS_CSV.match(link):
        return None
    return (
        f"got {link!r}, expected a BigQuery table such as bq://project.dataset.table or a CSV file "
        "gs://bucket/path.csv: drift monitoring "
        "compares serving traffic with the training data (the manifest declares monitoring.features)"
    )
