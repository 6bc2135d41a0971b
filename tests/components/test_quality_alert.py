"""The accuracy-decline policy and the dashboard's quality row, declared from each manifest's `monitoring.quality`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.cloud import monitoring_dashboard_v1, monitoring_v3
from google.protobuf import json_format

from estaleiro.config.environment import load_environment
from estaleiro.plan.model import Plan, PlannedResource
from estaleiro.quality.series import DECLINED, QUALITY, RETRAIN, decline_condition
from tests.components.conftest import REPO
from tests.components.test_monitoring import CHANNEL, DASHBOARD, DESCRIPTOR, POLICY, plan_edited, policies

RULES = {"dev": ("auc", 0.75, 2, 3), "prod": ("auc", 0.78, 3, 5)}  # metric, min, N, M of each churn manifest


def quality_policy(plan: Plan) -> PlannedResource:
    return policies(plan)["quality"]


def tiles(plan: Plan) -> list[dict[str, Any]]:
    [dashboard] = plan.of_type(DASHBOARD)
    layout = json.loads(dashboard.inputs["dashboardJson"])["mosaicLayout"]["tiles"]
    return sorted(layout, key=lambda t: (t["yPos"], t["xPos"]))


def titled(plan: Plan, start: str) -> dict[str, Any]:
    [tile] = [t for t in tiles(plan) if t["widget"]["title"].startswith(start)]
    return tile


def without_quality(tmp_path: Path) -> Plan:
    text = (REPO / "stacks/dev/models/churn.yaml").read_text()
    return plan_edited(tmp_path, "dev", text[text.index("  quality:") : text.index("training:")], "")


def test_the_decline_condition_reads_the_verdict_of_this_model_and_stack_per_version(plan: Plan) -> None:
    [condition] = quality_policy(plan).inputs["conditions"]
    model = load_environment(REPO, plan.stack).model("churn")
    assert model is not None and model.manifest.monitoring.quality is not None
    assert condition["displayName"] == decline_condition("churn", model.manifest.monitoring.quality)
    metric, _, windows, of = RULES[plan.stack]
    missed = f"missed its threshold in {windows} of the last {of} windows"
    assert condition["displayName"] == f"quality declined: churn auc {missed}"
    body = condition["conditionThreshold"]
    assert body["filter"] == (
        f'metric.type = "{DECLINED}" AND resource.type = "global" AND metric.label.model = "churn" '
        f'AND metric.label.stack = "{plan.stack}" AND metric.label.metric = "{metric}"'
    )
    assert body["aggregations"] == [
        {
            "alignmentPeriod": "90000s",  # the longest alerting allows: a daily point is always in view
            "perSeriesAligner": "ALIGN_NEXT_OLDER",  # the latest point decides
            "crossSeriesReducer": "REDUCE_MAX",
            "groupByFields": ["metric.label.version"],  # an incident per version
        }
    ]
    # alert.proto lines 249-252: evaluation_missing_data needs a duration of 60 s or more; the 25-hour
    # alignment holds a verdict's point far longer, so one point of 1 still fires, a minute later.
    assert (body["comparison"], body["thresholdValue"], body["duration"]) == ("COMPARISON_GT", 0, "60s")
    assert body["evaluationMissingData"] == "EVALUATION_MISSING_DATA_NO_OP"
    assert quality_policy(plan).inputs["alertStrategy"] == {"autoClose": "172800s"}


def test_the_policy_starts_retraining_names_model_stack_and_team_and_tells_every_channel(plan: Plan) -> None:
    policy = quality_policy(plan)
    labels = policy.inputs["userLabels"]
    assert (labels["model"], labels["env"], labels["team"], labels["retrain"]) == (
        "churn",
        plan.stack,
        "ml-platform",
        RETRAIN,
    )
    [condition] = policy.inputs["conditions"]
    assert condition["displayName"].split(" ")[0] == labels["retrain"]  # what functions/retrain matches
    emails = [c for c in plan.of_type(CHANNEL) if c.inputs["type"] == "email"]
    [topic] = [c for c in plan.of_type(CHANNEL) if c.inputs["type"] == "pubsub"]
    assert {c.urn for c in [*emails, topic]} <= set(policy.dependencies)
    assert len(policy.inputs["notificationChannels"]) == len(emails) + 1
    assert policy.inputs["notificationChannels"] == policies(plan)["health"].inputs["notificationChannels"]


def test_the_policy_waits_for_the_metric_descriptors_it_reads(plan: Plan) -> None:
    descriptors = {d.inputs["type"]: d.urn for d in plan.of_type(DESCRIPTOR)}
    assert descriptors[DECLINED] in quality_policy(plan).dependencies


def test_the_runbook_links_the_dashboard_and_gives_the_rollback_and_the_local_run(plan: Plan) -> None:
    text = quality_policy(plan).inputs["documentation"]["content"]
    for part in (
        "**What fired**",
        "version `${metric.label.version}`",  # the series that fired names its version
        f"in {RULES[plan.stack][2]} of its last {RULES[plan.stack][3]} countable windows",
        "less than 60% of its predictions is skipped",
        f"the ground truth in `bq://acme-ml-{plan.stack}.acme_ml_{plan.stack}_ground_truth.churn`",
        f"https://console.cloud.google.com/monitoring/dashboards/builder/acme-ml-{plan.stack}-churn",
        f"`estaleiro rollback churn --in {plan.stack}`",
        f"`estaleiro pipeline run model-quality --model churn --in {plan.stack} --local`",
    ):
        assert part in text, part
    assert quality_policy(plan).inputs["documentation"]["mimeType"] == "text/markdown"


def test_the_policy_parses_into_the_real_alert_policy(plan: Plan) -> None:
    body = {key: value for key, value in quality_policy(plan).inputs.items() if key != "project"}
    parsed = monitoring_v3.AlertPolicy.pb(monitoring_v3.AlertPolicy())
    json_format.ParseDict(body, parsed)
    [condition] = parsed.conditions
    aggregation = condition.condition_threshold.aggregations[0]
    assert aggregation.alignment_period.seconds <= 90_000  # common.proto: at most 25 hours for alerting
    assert aggregation.per_series_aligner == monitoring_v3.Aggregation.Aligner.ALIGN_NEXT_OLDER
    assert parsed.alert_strategy.auto_close.seconds == 2 * 86_400


def test_the_manifests_metric_and_bounds_reach_the_condition_and_the_chart(tmp_path: Path) -> None:
    plan = plan_edited(
        tmp_path,
        "dev",
        "metric: auc\n    threshold: {min: 0.75}\n    decline: {windows: 2, of: 3}",
        "metric: log_loss\n    threshold: {min: 0.1, max: 0.5}\n    decline: {windows: 4, of: 7}",
    )
    [condition] = quality_policy(plan).inputs["conditions"]
    assert condition["displayName"] == (
        "quality declined: churn log_loss missed its threshold in 4 of the last 7 windows"
    )
    assert condition["conditionThreshold"]["filter"].endswith('metric.label.metric = "log_loss"')
    chart = titled(plan, "Served log_loss per version")["widget"]["xyChart"]
    assert chart["thresholds"] == [  # metrics.proto lines 185-190: no direction (nor color) in a XyChart
        {"value": 0.1, "label": "min log_loss (bad below)"},
        {"value": 0.5, "label": "max log_loss (bad above)"},
    ]


def test_the_quality_row_shows_quality_per_version_against_its_threshold_beside_the_verdict(plan: Plan) -> None:
    quality, verdict = titled(plan, "Served auc per version"), titled(plan, "Quality declined per version")
    assert quality["yPos"] == verdict["yPos"] and quality["xPos"] < verdict["xPos"]
    for tile, metric in ((quality, QUALITY), (verdict, DECLINED)):
        [dataset] = tile["widget"]["xyChart"]["dataSets"]
        series = dataset["timeSeriesQuery"]["timeSeriesFilter"]
        assert series["filter"].startswith(f'metric.type = "{metric}"'), tile["widget"]["title"]
        assert f'metric.label.stack = "{plan.stack}"' in series["filter"]
        assert series["aggregation"]["groupByFields"] == ["metric.label.version"]
        assert series["aggregation"]["alignmentPeriod"] == dataset["minAlignmentPeriod"] == "86400s"  # window: 1d
    assert quality["widget"]["xyChart"]["thresholds"] == [
        {"value": RULES[plan.stack][1], "label": "min auc (bad below)"}
    ]
    [dashboard] = plan.of_type(DASHBOARD)
    json_format.ParseDict(
        json.loads(dashboard.inputs["dashboardJson"]),
        monitoring_dashboard_v1.Dashboard.pb(monitoring_dashboard_v1.Dashboard()),
    )


def test_a_model_that_measures_no_quality_has_no_decline_policy_and_no_quality_row(tmp_path: Path) -> None:
    plan = without_quality(tmp_path)
    assert set(policies(plan)) == {"health"}
    assert not [p for p in plan.of_type(POLICY) if p.inputs["userLabels"].get("retrain") == RETRAIN]
    titles = [t["widget"]["title"] for t in tiles(plan)]
    assert not [t for t in titles if t.startswith(("Served", "Quality"))]
    assert "Feature drift against training data, per feature" in titles  # the rest of the dashboard stays
    assert not plan.of_type(DESCRIPTOR)
