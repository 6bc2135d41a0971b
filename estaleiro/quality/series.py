"""The Cloud Monitoring series served quality is written to, and the alert that reads them.

One place for the names the model-quality pipeline writes (pipeline_specs/model_quality.py), the
stack declares (components/monitoring/quality_metric.py), the accuracy-decline alert policy and the
dashboard read (components/monitoring/), and the retraining function matches (functions/retrain).

The pipeline decides the N-of-M rule (estaleiro/quality/decline.py) and writes its verdict as a
point; the policy only compares that point with 0. The rule skips windows with too few labels and
judges each version apart, which the same Python code does here and in the cloud.
"""

from __future__ import annotations

from estaleiro.config.monitoring import Quality

QUALITY = "custom.googleapis.com/estaleiro/model_quality"  # GAUGE DOUBLE: the metric over the latest window
DECLINED = "custom.googleapis.com/estaleiro/quality_declined"  # GAUGE INT64: 1 when the N-of-M rule holds
# The monitored resource both are written on: `global`, as no Google resource is "a model version"; Google's
# own sample writes a user-defined metric on it (https://cloud.google.com/monitoring/docs/samples/
# monitoring-write-timeseries). The policy's and the dashboard's filters name it, so the writer must too.
RESOURCE = "global"

LABELS = {
    "model": "the model's name in its manifest (stacks/<env>/models/<model>.yaml)",
    "version": "the served version, such as v7",
    "stack": "the environment, such as dev",
    "metric": "the quality metric, a name of estaleiro/training/metrics.py such as auc",
}

# The accuracy-decline policy's condition display name starts with this word, and the policy carries
# the user label `retrain: quality`: functions/retrain starts a run for conditions whose first word
# is the policy's `retrain` label (as drift's policies do with "drift").
RETRAIN = "quality"


def decline_condition(model: str, quality: Quality) -> str:
    """The decline condition's display name: what an incident's condition_name reads, first word RETRAIN."""
    rule = quality.decline
    missed = f"missed its threshold in {rule.windows} of the last {rule.of} windows"
    return f"{RETRAIN} declined: {model} {quality.metric} {missed}"
