"""A model's alerts: 5xx ratio, p99 latency, saturation, no traffic, and drift per feature, in as few policies as fit.

Each policy notifies the stack's and the model's e-mail channels and the automation topic,
carries user labels naming model, stack and team, and documentation an on-call engineer can
act on: what fired, what each condition means, the dashboard and the exact rollback command.
Conditions share a policy (an incident names its condition, the documentation explains each):
one policy per model keeps a plan of hundreds of models fast, as each policy is a resource the
plan registers. Drift conditions group the features that share a threshold (each feature stays
its own time series, so an incident names the feature). Cloud Monitoring allows 6 conditions per
policy (https://cloud.google.com/monitoring/alerts/concepts-indepth): a model whose conditions do
not fit gets a serving policy and drift policies of at most 6 conditions each. A policy with
drift conditions carries the user label `retrain: drift`: the retraining function starts a run
for an incident whose condition's display name begins with that word, never for a 5xx or latency one.

A model whose manifest measures quality (`monitoring.quality`) also gets an accuracy-decline
policy, labelled `retrain: quality`. The model-quality pipeline decides the N-of-M rule in Python
(estaleiro/quality/decline.py: per version, skipping windows with too few labels) and writes its
verdict as a point of `quality_declined` (1 declined, 0 not); the policy only compares the latest
point with 0, so what decides in the cloud is the code the tests exercise. Not PromQL: skipping
windows below the label coverage and counting N of the last M *countable* windows per version, over
windows whose points arrive when labels do, does not read cleanly as a range query, and the rule
would then exist twice, once in Python for the local run and once in PromQL for the cloud.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import Any

import pulumi
import pulumi_gcp.monitoring as monitoring

from components.monitoring import metrics
from estaleiro.config.monitoring import Quality
from estaleiro.gate.thresholds import describe
from estaleiro.quality import series

CONDITIONS_PER_POLICY = 6
RETRAIN = "retrain"  # the user label an incident carries to the retraining function
WINDOW = "300s"
Condition = monitoring.AlertPolicyConditionArgs
Threshold = monitoring.AlertPolicyConditionConditionThresholdArgs
Aggregation = monitoring.AlertPolicyConditionConditionThresholdAggregationArgs


@dataclass(frozen=True)
class AlertContext:
    """What every policy of one model says and whom it tells."""

    model: str
    stack: str
    team: str
    project: str
    user_labels: Mapping[str, str]
    channels: pulumi.Input[Sequence[str]]
    dashboard_url: str
    endpoint_id: str
    serving: metrics.ServingMetrics  # the family the endpoint reports requests in


@dataclass(frozen=True)
class ServingThresholds:
    """The manifest's `monitoring.alerts`, with saturation in replicas."""

    error_ratio: float
    p99_latency_ms: int
    saturated_replicas: float
    max_replicas: int

    @property
    def replicas_at_saturation(self) -> int:
        """The fewest whole replicas that count as saturated: replicas are an INT64 gauge."""
        return math.ceil(self.saturated_replicas)


Signal = tuple[Condition, str]  # a condition and what it means when it fires


@dataclass(frozen=True)
class Rule:
    """One policy before it is declared: its role in the resource name, and what on-call reads."""

    role: str
    title: str
    severity: str
    signals: Sequence[Signal]
    retrain: str = ""  # the first word of the conditions that start retraining (functions/retrain), if any
    steps: Sequence[str] = ()  # runbook steps of this policy, after the ones every policy has
    auto_close: str = ""  # how long an open incident outlives missing data; empty: Monitoring's default

    @property
    def meaning(self) -> str:
        return "\n".join(f"- *{condition.display_name}*: {text}" for condition, text in self.signals)


def documentation(context: AlertContext, rule: Rule) -> str:
    """Markdown for the notification: what fired, what it means, the runbook. `${...}` are Monitoring's variables."""
    where = (
        f"model `{context.model}` (stack `{context.stack}`, team `{context.team}`, endpoint `{context.endpoint_id}`)"
    )
    steps = [
        f"Open the model's dashboard: {context.dashboard_url}\n"
        "   (traffic per version, errors, latency, replicas, drift, logs).",
        *rule.steps,
        f"If the version promoted last is the cause, roll back with `estaleiro rollback {context.model} --in "
        f"{context.stack}` and merge the pull request it prints.",
        "Otherwise follow the signal on the dashboard; the request log in BigQuery holds sampled requests.",
    ]
    return (
        f"## {rule.title}: {context.model} in {context.stack}\n\n"
        f"**What fired**: `${{condition.display_name}}` on {where}.\n\n"
        f"**What it means**, by condition:\n{rule.meaning}\n\n"
        "**Runbook**\n" + "".join(f"{n}. {step}\n" for n, step in enumerate(steps, start=1))
    )


def declare(
    name: str,
    context: AlertContext,
    rules: Sequence[Rule],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> dict[str, monitoring.AlertPolicy]:
    """One AlertPolicy per rule, named `<name>-<role>`; `depends_on`: the descriptors of the custom metrics read."""
    return {
        rule.role: monitoring.AlertPolicy(
            f"{name}-{rule.role}",
            project=context.project,
            display_name=f"{context.stack}/{context.model}: {rule.title}",
            combiner="OR",
            severity=rule.severity,
            conditions=[condition for condition, _ in rule.signals],
            notification_channels=context.channels,
            user_labels={**context.user_labels, **({RETRAIN: rule.retrain} if rule.retrain else {})},
            documentation=monitoring.AlertPolicyDocumentationArgs(
                content=documentation(context, rule),
                mime_type="text/markdown",
                subject=f"{rule.title}: {context.model}",
            ),
            alert_strategy=monitoring.AlertPolicyAlertStrategyArgs(auto_close=rule.auto_close)
            if rule.auto_close
            else None,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
        )
        for rule in rules
    }


# A count over the window, summed across the endpoint's deployed models: the same for every condition's
# aggregation message (numerator, denominator, absence), which pulumi-gcp types apart.
PER_ENDPOINT_COUNT: dict[str, Any] = {
    "alignment_period": WINDOW,
    "per_series_aligner": "ALIGN_DELTA",
    "cross_series_reducer": "REDUCE_SUM",
    "group_by_fields": ["resource.label.endpoint_id"],
}


def _drift_filter(features: Sequence[str], schedule_ids: Iterable[str]) -> str:
    return metrics.drift_series(sorted(schedule_ids), features)


def _endpoint(metric: str, context: AlertContext, *conditions: str) -> str:
    return metrics.endpoint_series(metric, context.endpoint_id, *conditions)


def serving_signals(context: AlertContext, thresholds: ServingThresholds) -> list[Signal]:
    """The four conditions every served model is watched for, from the manifest's `monitoring.alerts`."""
    family = context.serving
    errors = Threshold(
        filter=_endpoint(family.responses, context, *family.server_errors),
        aggregations=[Aggregation(**PER_ENDPOINT_COUNT)],
        denominator_filter=_endpoint(family.responses, context),
        denominator_aggregations=[
            monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs(**PER_ENDPOINT_COUNT)
        ],
        comparison="COMPARISON_GT",
        threshold_value=thresholds.error_ratio,
        duration=WINDOW,
    )
    per_version = ["metric.label.deployed_model_id"]
    latency = Threshold(
        filter=_endpoint(family.latencies, context, *family.total_latency),
        aggregations=[
            Aggregation(
                alignment_period=WINDOW,
                per_series_aligner="ALIGN_DELTA",
                cross_series_reducer="REDUCE_PERCENTILE_99",
                group_by_fields=per_version,
            )
        ],
        comparison="COMPARISON_GT",
        threshold_value=thresholds.p99_latency_ms,
        duration=WINDOW,
    )
    saturation = Threshold(
        filter=_endpoint(metrics.REPLICAS, context),
        aggregations=[
            Aggregation(
                alignment_period=WINDOW,
                per_series_aligner="ALIGN_MAX",
                cross_series_reducer="REDUCE_MAX",
                group_by_fields=per_version,
            )
        ],
        # "Only COMPARISON_LT and COMPARISON_GT are supported currently" (MetricThreshold.comparison,
        # google/monitoring/v3/alert.proto line 223). Replicas are whole numbers, so "n or more" is "above n - 0.5".
        comparison="COMPARISON_GT",
        threshold_value=thresholds.replicas_at_saturation - 0.5,
        duration="900s",
    )
    no_traffic = monitoring.AlertPolicyConditionConditionAbsentArgs(
        filter=_endpoint(family.traffic, context),
        aggregations=[monitoring.AlertPolicyConditionConditionAbsentAggregationArgs(**PER_ENDPOINT_COUNT)],
        duration="1800s",
    )
    ratio, saturated = f"{thresholds.error_ratio:.0%}", thresholds.replicas_at_saturation
    return [
        (
            Condition(display_name=f"5xx responses above {ratio} of all", condition_threshold=errors),
            f"more than {ratio} of prediction responses were server errors for 5 minutes: callers are failing. "
            "A new version that crashes on some inputs, or replicas out of memory, are the usual causes.",
        ),
        (
            Condition(
                display_name=f"p99 total latency above {thresholds.p99_latency_ms} ms", condition_threshold=latency
            ),
            f"the 99th percentile of total prediction latency stayed above {thresholds.p99_latency_ms} ms for 5 "
            "minutes: callers time out. Compare replicas with their target and the model's share of the latency.",
        ),
        (
            Condition(
                display_name=f"replicas at {saturated} or more (saturation)",
                condition_threshold=saturation,
            ),
            f"a deployed version ran at {saturated} replicas or more (maxReplicas "
            f"{thresholds.max_replicas}) for 15 minutes: autoscaling has no headroom left and latency will follow. "
            "Raise serving.maxReplicas in the manifest, or find what changed in traffic.",
        ),
        (
            Condition(display_name="no predictions for 30 minutes", condition_absent=no_traffic),
            "the endpoint answered no prediction for 30 minutes although the manifest routes traffic to it: callers "
            "may fail before they reach it (network, IAM, a client release), or the endpoint is unreachable.",
        ),
    ]


DRIFT = (
    "Vertex AI Model Monitoring found these features of sampled serving requests further from the serving "
    "version's training data than the threshold (L-infinity for categorical, Jensen-Shannon for numerical "
    "features). Predictions may be degrading: retrain on recent data, or roll back if a new version reads a "
    "feature differently."
)


# The smallest duration a condition that sets evaluation_missing_data may have: "the value of the
# `duration` field must be greater than or equal to 60 seconds" (MetricThreshold.evaluation_missing_data,
# google/monitoring/v3/alert.proto lines 249-252). It delays an incident by one minute, no more: the
# conditions that use it read one point per run, aligned over a period much longer than a minute (an
# hour for drift, 25 hours for the decline verdict), so the aligned value a point sets holds for the
# whole minute and a single run's point still fires.
HOLD_FOR_MISSING_DATA = "60s"


def drift_signals(
    thresholds: Mapping[str, float], schedule_ids: pulumi.Output[Sequence[str]], schedules: int
) -> list[Signal]:
    """One condition per distinct threshold, split where its filter would pass the API's length limit.

    Each feature stays its own time series, so an incident names it. `schedules`: how many ids
    `schedule_ids` will hold (one per served version).
    """
    by_threshold = [
        (threshold, chunk)
        for threshold, group in groupby(sorted(thresholds.items(), key=lambda item: (item[1], item[0])), lambda i: i[1])
        for chunk in metrics.drift_chunks([feature for feature, _ in group], schedules)
    ]
    return [
        (
            Condition(
                display_name=f"drift above {threshold:g}: {', '.join(features)}",
                condition_threshold=Threshold(
                    filter=schedule_ids.apply(partial(_drift_filter, features)),
                    # Monitoring writes one point per run: the largest in an hour, kept until the next run.
                    aggregations=[Aggregation(alignment_period="3600s", per_series_aligner="ALIGN_MAX")],
                    comparison="COMPARISON_GT",
                    threshold_value=threshold,
                    duration=HOLD_FOR_MISSING_DATA,
                    evaluation_missing_data="EVALUATION_MISSING_DATA_NO_OP",
                ),
            ),
            DRIFT,
        )
        for threshold, features in by_threshold
    ]


def rules(serving: Sequence[Signal], drift: Sequence[Signal]) -> list[Rule]:
    """One policy per model while its conditions fit in one; else serving apart and drift in chunks of 6."""
    retrain = "drift" if drift else ""  # the first word of drift_signals' display names
    if len(serving) + len(drift) <= CONDITIONS_PER_POLICY:
        return [Rule("health", "model health", "ERROR", [*serving, *drift], retrain)]
    chunks = [drift[i : i + CONDITIONS_PER_POLICY] for i in range(0, len(drift), CONDITIONS_PER_POLICY)]
    return [
        Rule("serving", "serving health", "ERROR", serving),
        *(
            Rule("drift" if n == 0 else f"drift-{n + 1}", "feature drift", "WARNING", chunk, retrain)
            for n, chunk in enumerate(chunks)
        ),
    ]


# The pipeline writes one verdict per version per run, daily by default (a GAUGE point, 1 or 0). The
# latest point decides: ALIGN_NEXT_OLDER takes "the most recent data point before the end of the
# alignment period" and is valid for GAUGE metrics (Aggregation.Aligner, google/monitoring/v3/common.proto).
# The period is the longest alerting allows, "90,000 seconds (25 hours) for alerting policies"
# (Aggregation.alignment_period, same proto), so a daily run's point is always in view and an hour
# late is no gap. Duration HOLD_FOR_MISSING_DATA, the least the API takes with evaluation_missing_data: one
# point of 1 fires a minute later (the rule already required N of M windows), and the next point of 0
# makes the condition false, which closes the incident
# (https://cloud.google.com/monitoring/alerts/concepts-indepth). When points stop (a run missed, a
# version retired), EVALUATION_MISSING_DATA_NO_OP leaves the condition as it was ("Do not evaluate
# the condition to any value if there is no data", AlertPolicy.Condition.EvaluationMissingData): a
# missed run neither closes a decline nor opens one. AlertStrategy.auto_close ("If an alerting policy
# that was active has no data for this long, any open incidents will close") then closes the
# incident of a retired version two days after its last point left the 25-hour view.
DECLINE_ALIGNMENT = "90000s"
DECLINE_AUTO_CLOSE = "172800s"


def quality_rule(context: AlertContext, quality: Quality, ground_truth: str) -> Rule:
    """The accuracy-decline policy: one condition on the pipeline's verdict, one time series per version.

    `ground_truth` is the model's ground-truth table (components/monitoring/ground_truth.py).
    """
    declined = Threshold(
        filter=metrics.quality_series(series.DECLINED, context.model, context.stack, quality.metric),
        aggregations=[
            Aggregation(
                alignment_period=DECLINE_ALIGNMENT,
                per_series_aligner="ALIGN_NEXT_OLDER",
                cross_series_reducer="REDUCE_MAX",
                group_by_fields=["metric.label.version"],  # an incident per version, naming it
            )
        ],
        comparison="COMPARISON_GT",
        threshold_value=0,
        duration=HOLD_FOR_MISSING_DATA,
        evaluation_missing_data="EVALUATION_MISSING_DATA_NO_OP",
    )
    rule, name = quality.decline, series.decline_condition(context.model, quality)
    # ${metric.label.KEY}: a label of the series that fired (https://cloud.google.com/monitoring/alerts/doc-variables).
    meaning = (
        f"version `${{metric.label.version}}` served {quality.metric} outside {describe(quality.threshold)} in "
        f"{rule.windows} of its last {rule.of} countable windows of {quality.window} (measured {quality.label_delay} "
        f"after each window ends, once the ground truth in `{ground_truth}` has arrived; a window with labels "
        f"for less than {quality.minimum_coverage:.0%} of its predictions is skipped, never a miss). Its answers "
        "are measurably worse than its owners accept. A continuous-training run of the model has started by "
        "itself and will propose a retrained version as a pull request; if the declining version was promoted "
        "recently, roll back now rather than wait."
    )
    return Rule(
        "quality",
        "accuracy decline",
        "ERROR",
        [(Condition(display_name=name, condition_threshold=declined), meaning)],
        retrain=series.RETRAIN,
        steps=(
            f"Read the version's {quality.metric} per window and its verdict beside it on the dashboard "
            f"(*Served {quality.metric} per version*, against the threshold).",
            "Reproduce the windows and the verdict on this machine: "
            f"`estaleiro pipeline run model-quality --model {context.model} --in {context.stack} --local`.",
            "Review the retraining's pull request (continuous training, started by this incident) before merging.",
        ),
        auto_close=DECLINE_AUTO_CLOSE,
    )
