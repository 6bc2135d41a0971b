"""A model's dashboard, laid out as on-call reads it: is it serving, is it healthy, is it still the right model.

Rows, most important first: open incidents and traffic per deployed version (champion against
challenger during a canary); errors by response code and latency percentiles; replicas against
their target and CPU; served quality per version against the manifest's threshold, beside the
decline verdict the alert reads (when the manifest measures quality); drift per feature against
its threshold; the endpoint's logs. A mosaic layout of 48 columns, a row's tiles sharing its width.
The JSON follows the Monitoring Dashboards API (`google.monitoring.dashboard.v1.Dashboard`, proto
field names in camelCase).
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

COLUMNS, HEIGHT = 48, 16
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


def line(value: float, label: str = "", direction: str = "") -> dict[str, Any]:
    """A threshold line; `direction` (ABOVE | BELOW) marks which side of it is bad."""
    return {"value": value} | ({"label": label} if label else {}) | ({"direction": direction} if direction else {})


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
        line(float(value), f"{side} {quality.metric}", direction)
        for side, value, direction in (("min", quality.threshold.min, "BELOW"), ("max", quality.threshold.max, "ABOVE"))
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
            [line(0.5, "declined", "ABOVE")],
        ),
    ]


def named(dataset: dict[str, Any], legend: str) -> dict[str, Any]:
    return {**dataset, "legendTemplate": legend}


def rows(
    endpoint_id: str,
    project: str,
    schedule_ids: Sequence[str],
    drift_thresholds: Mapping[str, float],
    quality: QualityView | None,
) -> list[list[dict[str, Any]]]:
    def endpoint(metric: str, *conditions: str) -> str:
        return metrics.endpoint_series(metric, endpoint_id, *conditions)

    version = ["metric.label.deployed_model_id"]
    latency = endpoint(metrics.LATENCIES, metrics.TOTAL_LATENCY)
    layout: list[list[dict[str, Any]]] = [
        [
            {
                "title": "Open incidents on this endpoint",
                "incidentList": {
                    "monitoredResources": [{"type": metrics.ENDPOINT, "labels": {"endpoint_id": endpoint_id}}]
                },
            },
            chart(
                "Predictions per second, per deployed version",
                [series(endpoint(metrics.PREDICTIONS), "ALIGN_RATE", "REDUCE_SUM", version)],
                "predictions/s",
            ),
        ],
        [
            chart(
                "Responses per second, by response code",
                [series(endpoint(metrics.RESPONSES), "ALIGN_RATE", "REDUCE_SUM", ["metric.label.response_code"])],
                "responses/s",
            ),
            chart(
                "Total latency percentiles (ms)",
                [
                    named(series(latency, "ALIGN_DELTA", f"REDUCE_PERCENTILE_{p}", version), f"p{p} ${{labels}}")
                    for p in ("50", "95", "99")
                ],
                "ms",
            ),
        ],
        [
            chart(
                "Replicas against target, per deployed version",
                [
                    named(series(endpoint(metrics.REPLICAS), "ALIGN_MAX", "REDUCE_MAX", version), "replicas ${labels}"),
                    named(
                        series(endpoint(metrics.TARGET_REPLICAS), "ALIGN_MAX", "REDUCE_MAX", version),
                        "target ${labels}",
                    ),
                ],
                "replicas",
            ),
            chart(
                "CPU utilization, per deployed version",
                [series(endpoint(metrics.CPU), "ALIGN_MEAN", "REDUCE_MEAN", version)],
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
                        series(
                            metrics.drift_series(schedule_ids),
                            "ALIGN_MAX",
                            "REDUCE_MAX",
                            ["metric.label.feature_name"],
                        )
                    ],
                    "distance (L-infinity / Jensen-Shannon)",
                    [line(value) for value in sorted(set(drift_thresholds.values()))],
                )
            ]
        )
    layout.append(
        [
            {
                "title": "Endpoint logs",
                "logsPanel": {
                    "filter": f'resource.type="{metrics.ENDPOINT}" AND resource.labels.endpoint_id="{endpoint_id}"',
                    "resourceNames": [f"projects/{project}"],
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
    endpoint_id: str,
    project: str,
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
    for row, widgets in enumerate(rows(endpoint_id, project, schedule_ids, drift_thresholds, quality)):
        width = COLUMNS // len(widgets)
        for column, widget in enumerate(widgets):
            tiles.append(
                {"xPos": column * width, "yPos": row * HEIGHT, "width": width, "height": HEIGHT, "widget": widget}
            )
    dashboard = {
        "name": dashboard_name(project, dashboard_id),
        "displayName": display_name,
        "mosaicLayout": {"columns": COLUMNS, "tiles": tiles},
        "labels": dict(sorted(labels.items())),
    }
    return json.dumps(dashboard, sort_keys=True)
