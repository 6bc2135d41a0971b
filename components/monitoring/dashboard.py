"""A model's dashboard, laid out as on-call reads it: is it serving, is it healthy, is it still the right model.

Rows, most important first: open incidents and traffic per deployed version (champion against
challenger during a canary); errors by response code and latency percentiles; replicas against
their target and CPU; served quality per version against the manifest's threshold, beside the
decline verdict the alert reads (when the manifest measures quality); drift per feature against
its threshold; the endpoint's logs. A mosaic layout of 12 columns, a row's tiles sharing its width
("The number of columns must be between 1 and 12, inclusive": MosaicLayout.columns,
google/monitoring/dashboard/v1/layouts.proto; many public dashboards use 48, which the definition does not allow).
The JSON follows the Monitoring Dashboards API (`google.monitoring.dashboard.v1.Dashboard`, proto
field names in camelCase).

Threshold lines carry a value and a label only: "Color is not allowed in a XyChart", "Direction is not
allowed in a XyChart" (Threshold.color and .direction, google/monitoring/dashboard/v1/metrics.proto
lines 185-190), so a label says which side is bad. Legends name labels as `${label_name}`, "which will
resolve to the label's value" (XyChart.DataSet.legend_template, xychart.proto lines 82-85), spelled as
filters spell a metric label: `${metric.labels.deployed_model_id}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.monitoring import metrics
from estaleiro.config.monitoring import Quality, seconds
from estaleiro.gate.thresholds import describe
from estaleiro.quality import series as written

COLUMNS, HEIGHT = 12, 4
WINDOW = "60s"


def series(
    filter_: str, aligner: str, reducer: str = "REDUCE_NONE", group_by: Sequence[str] = (), period: str = WINDOW
) -> dict[str, Any]:
    aggregation: dict[str, Any] = {"alignmentPeriod": period, "perSeriesAligner": aligner}
    if reducer != "REDUCE_NONE":
        aggregation |= {"crossSeriesReducer": reducer, "groupByFields": list(group_by)}
    query: dict[str, Any] = {"timeSeriesQuery": {"timeSeriesFilter": {"filter": filter_, "aggregation": aggregation}}}
    if period != WINDOW:  # sparse points: "the lower bound on data point frequency" (XyChart.DataSet)
        query["minAlignmentPeriod"] = period
    return query


def chart(
    title: str, datasets: Sequence[dict[str, Any]], label: str, thresholds: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    xy: dict[str, Any] = {
        "dataSets": [{**d, "plotType": "LINE"} for d in datasets],
        "yAxis": {"label": label, "scale": "LINEAR"},
    }
    if thresholds:
        xy["thresholds"] = list(thresholds)
    return {"title": title, "xyChart": xy}


def line(value: float, label: str = "") -> dict[str, Any]:
    """A threshold line: its value and what it means, the side that is bad said in words."""
    return {"value": value} | ({"label": label} if label else {})


@dataclass(frozen=True)
class QualityView:
    """What the quality row shows: one model's served quality in one stack, as its manifest judges it."""

    model: str
    stack: str
    quality: Quality

    def filter(self, metric: str) -> str:
        return metrics.quality_series(metric, self.model, self.stack, self.quality.metric)


def quality_row(view: QualityView) -> list[dict[str, Any]]:
    """Quality per version over time with the manifest's bounds as lines, and beside it the verdict the alert reads.

    One point per window (the pipeline writes once per run), so each is aligned over the window.
    """
    quality, per_version = view.quality, ["metric.label.version"]
    period = f"{seconds(quality.window)}s"
    bounds = [
        line(float(value), f"{side} {quality.metric} (bad {bad})")
        for side, value, bad in (("min", quality.threshold.min, "below"), ("max", quality.threshold.max, "above"))
        if value is not None
    ]
    rule = quality.decline
    return [
        chart(
            f"Served {quality.metric} per version ({describe(quality.threshold)}), per {quality.window} window",
            [series(view.filter(written.QUALITY), "ALIGN_MEAN", "REDUCE_MEAN", per_version, period)],
            quality.metric,
            bounds,
        ),
        chart(
            f"Quality declined per version: {rule.windows} of the last {rule.of} windows missed (1) or not (0)",
            [series(view.filter(written.DECLINED), "ALIGN_MAX", "REDUCE_MAX", per_version, period)],
            "verdict (1 = declined)",
            [line(0.5, "declined above")],
        ),
    ]


VERSION = "${metric.labels.deployed_model_id}"  # the deployed model a series is grouped by


def named(dataset: dict[str, Any], legend: str) -> dict[str, Any]:
    return {**dataset, "legendTemplate": legend}


@dataclass(frozen=True)
class Watched:
    """What the dashboard shows of one model: its endpoint, the family it reports in, its alert policies."""

    endpoint_id: str
    project: str
    serving: metrics.ServingMetrics
    policy_names: Sequence[str]  # `alertPolicies/<id>`, as IncidentList.policy_names takes them

    def series(self, metric: str, *conditions: str) -> str:
        return metrics.endpoint_series(metric, self.endpoint_id, *conditions)


def policy_name(name: str) -> str:
    """IncidentList.policy_names: "Don't include the project ID prefix in the policy name. For example, use
    `alertPolicies/utilization`" (google/monitoring/dashboard/v1/incident_list.proto lines 39-42)."""
    return name[name.index("alertPolicies/") :]


def rows(
    watched: Watched,
    schedule_ids: Sequence[str],
    drift_thresholds: Mapping[str, float],
    quality: QualityView | None,
) -> list[list[dict[str, Any]]]:
    family, version = watched.serving, ["metric.label.deployed_model_id"]
    latency = watched.series(family.latencies, *family.total_latency)
    layout: list[list[dict[str, Any]]] = [
        [
            {
                # By policy, not by resource: drift (on the Model), quality (global) and grouped incidents too.
                "title": "Open incidents of this model",
                "incidentList": {"policyNames": sorted(policy_name(name) for name in watched.policy_names)},
            },
            chart(
                f"Traffic per deployed version ({family.traffic_unit})",
                [
                    named(
                        series(watched.series(family.traffic), "ALIGN_RATE", "REDUCE_SUM", version),
                        VERSION,
                    )
                ],
                family.traffic_unit,
            ),
        ],
        [
            chart(
                "Responses per second, by response code",
                [
                    named(
                        series(
                            watched.series(family.responses), "ALIGN_RATE", "REDUCE_SUM", ["metric.label.response_code"]
                        ),
                        "${metric.labels.response_code}",
                    )
                ],
                "responses/s",
            ),
            chart(
                "Total latency percentiles (ms)",
                [
                    named(series(latency, "ALIGN_DELTA", f"REDUCE_PERCENTILE_{p}", version), f"p{p} {VERSION}")
                    for p in ("50", "95", "99")
                ],
                "ms",
            ),
        ],
        [
            chart(
                "Replicas against target, per deployed version",
                [
                    named(
                        series(watched.series(metrics.REPLICAS), "ALIGN_MAX", "REDUCE_MAX", version),
                        f"replicas {VERSION}",
                    ),
                    named(
                        series(watched.series(metrics.TARGET_REPLICAS), "ALIGN_MAX", "REDUCE_MAX", version),
                        f"target {VERSION}",
                    ),
                ],
                "replicas",
            ),
            chart(
                "CPU utilization, per deployed version",
                [named(series(watched.series(metrics.CPU), "ALIGN_MEAN", "REDUCE_MEAN", version), VERSION)],
                "share of allocated CPU",
            ),
        ],
    ]
    if quality is not None:
        layout.append(quality_row(quality))
    if schedule_ids and drift_thresholds:
        layout.append(
            [
                chart(
                    "Feature drift against training data, per feature",
                    [
                        named(
                            series(
                                metrics.drift_series(schedule_ids),
                                "ALIGN_MAX",
                                "REDUCE_MAX",
                                ["metric.label.feature_name"],
                            ),
                            "${metric.labels.feature_name}",
                        )
                    ],
                    "distance (L-infinity / Jensen-Shannon)",
                    [line(value, f"drift above {value:g}") for value in sorted(set(drift_thresholds.values()))],
                )
            ]
        )
    layout.append(
        [
            {
                "title": "Endpoint logs",
                "logsPanel": {
                    "filter": (
                        f'resource.type="{metrics.ENDPOINT}" AND resource.labels.endpoint_id="{watched.endpoint_id}"'
                    ),
                    "resourceNames": [f"projects/{watched.project}"],
                },
            }
        ]
    )
    return layout


def dashboard_name(project: str, dashboard_id: str) -> str:
    return f"projects/{project}/dashboards/{dashboard_id}"


def dashboard_url(project: str, dashboard_id: str) -> str:
    return f"https://console.cloud.google.com/monitoring/dashboards/builder/{dashboard_id}?project={project}"


def dashboard_json(
    dashboard_id: str,
    display_name: str,
    watched: Watched,
    schedule_ids: Sequence[str],
    drift_thresholds: Mapping[str, float],
    quality: QualityView | None,
    labels: Mapping[str, str],
) -> str:
    """The dashboard as the API takes it: each row's tiles share its width.

    The name is ours (CreateDashboardRequest: "the [PROJECT_ID_OR_NUMBER] must match the dashboard
    resource name"), so alert documentation can link the dashboard before it exists.
    """
    tiles = []
    for row, widgets in enumerate(rows(watched, schedule_ids, drift_thresholds, quality)):
        width = COLUMNS // len(widgets)
        for column, widget in enumerate(widgets):
            tiles.append(
                {"xPos": column * width, "yPos": row * HEIGHT, "width": width, "height": HEIGHT, "widget": widget}
            )
    dashboard = {
        "name": dashboard_name(watched.project, dashboard_id),
        "displayName": display_name,
        "mosaicLayout": {"columns": COLUMNS, "tiles": tiles},
        "labels": dict(sorted(labels.items())),
    }
    return json.dumps(dashboard, sort_keys=True)
