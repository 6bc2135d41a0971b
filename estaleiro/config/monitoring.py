"""The `monitoring` block of a model manifest: what is watched, against which thresholds, who hears of it.

Every field has a default, so a manifest without the block is still watched for errors,
latency and saturation; drift needs the features declared. Precedence: the manifest's
values > the defaults written here. `estaleiro drift --model` reads the same block.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt, StrictStr, ValidationInfo, field_validator

from estaleiro.config.types import Email, Frozen

FeatureName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
FeatureType = Literal["numerical", "categorical"]
Fraction = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1)]
Rate = Annotated[StrictFloat | StrictInt, Field(gt=0, le=1)]


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


class Monitoring(Frozen):
    """Features and drift thresholds, request logging, the monitoring schedule, alert thresholds, recipients."""

    features: dict[FeatureName, FeatureType] = Field(
        default_factory=dict, description="every monitored feature and its type (numerical | categorical)"
    )
    drift: Drift = Field(default_factory=Drift)
    sampling_rate: Rate = Field(
        default=1.0, alias="samplingRate", description="share of prediction requests logged to BigQuery, in (0, 1]"
    )
    schedule: StrictStr = Field(
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

    @field_validator("drift")
    @classmethod
    def _declared(cls, drift: Drift, info: ValidationInfo) -> Drift:
        declared = info.data.get("features")
        undeclared = sorted(set(drift.thresholds) - set(declared or drift.thresholds))
        if undeclared:
            allowed = ", ".join(sorted(declared or {})) or "none"
            raise ValueError(f"thresholds name undeclared feature(s) {', '.join(undeclared)}; declared: {allowed}")
        return drift

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str) -> str:
        from croniter import croniter  # 25 ms: paid only by manifests, not by every import

        if not croniter.is_valid(schedule) or len(schedule.split()) != 5:
            raise ValueError(
                f"got {schedule!r}, expected a 5-field cron such as '0 * * * *' (minute hour day month weekday)"
            )
        return schedule

    @property
    def drift_thresholds(self) -> dict[str, float]:
        """Each declared feature's threshold, the override or the default."""
        return {feature: self.drift.threshold(feature) for feature in self.features}


BIGQUERY_TABLE = re.compile(r"^bq://[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_$-]{1,1024}$")
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
