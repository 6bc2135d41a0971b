"""A model's dashboard, laid out as on-call reads it: is it serving, is it healthy, is it still the right model.

Rows, most important first: open incidents and traffic per deployed version (champion against
challenger during a canary); errors by response code and latency percentiles; replicas against
their target and CPU; drift per feature against its threshold; the endpoint's logs. A mosaic
layout of 48 columns, two tiles of 24 per row. The JSON follows the Monitoring Dashboards API
(`google.monitoring.dashboard.v1.Dashboard`, proto field names in camelCase).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from components.monitoring import metrics

COLUMNS, HEIGHT = 48, 16
WINDOW = "60s"


def series(filter_: str, aligner: str, reducer: str = "REDUCE_NONE", group_by: Sequence[str] = ()) -> dict[str, Any]:
    aggregation: dict[str, Any] = {"alignmentPeriod": WINDOW, "perSeriesAligner": aligner}
    if reducer != "REDUCE_NONE":
        aggregation |= {"crossSeriesReducer": reducer, "groupByFields": list(group_by)}
    return {"timeSeriesQuery": {"timeSeriesFilter": {"filter": filter_, "aggregation": aggregation}}}


def chart(
    title: str, datasets: Sequence[dict[str, Any]], label: str, thresholds: Sequence[float] = ()
) -> dict[str, Any]:
    xy: dict[str, Any] = {
        "dataSets": [{**d, "plotType": "LINE"} for d in datasets],
        "yAxis": {"label": label, "scale": "LINEAR"},
    }
    if thresholds:
        xy["thresholds"] = [{"value": value} for value in thresholds]
    return {"title": title, "xyChart": xy}


def named(dataset: dict[str, Any], legend: str) -> dict[str, Any]:
    return {**dataset, "legendTemplate": legend}


def rows(
    endpoint_id: str, project: str, schedule_ids: Sequence[str], drift_thresholds: Mapping[str, float]
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
                    sorted(set(drift_thresholds.values())),
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
    labels: Mapping[str, str],
) -> str:
    """The dashboard as the API takes it: each row's tiles share its width.

    The name is ours (CreateDashboardRequest: "the [PROJECT_ID_OR_NUMBER] must match the dashboard
    resource name"), so alert documentation can link the dashboard before it exists.
    """
    tiles = []
    for row, widgets in enumerate(rows(endpoint_id, project, schedule_ids, drift_thresholds)):
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
