"""The verdict as Cloud Monitoring points, written through the real client to the MetricService fake."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from google.api_core.exceptions import InvalidArgument
from google.cloud import monitoring_v3 as v3

from estaleiro.quality import points
from estaleiro.quality.decline import decline
from estaleiro.quality.series import DECLINED, QUALITY
from tests.quality.conftest import NOW
from tests.quality.fake_metric_service import FakeMetricService
from tests.quality.test_decline import days, rule

RULE = rule()


def written(fake: FakeMetricService) -> dict[tuple[str, str], float | int]:
    """(metric type, version) -> the value of its one point."""
    out = {}
    for (metric_type, labels, _, _), stored in fake.series.items():
        [point] = stored
        value = v3.TypedValue.pb(point.value)
        out[(metric_type, dict(labels)["version"])] = getattr(value, value.WhichOneof("value"))
    return out


def test_each_served_version_gets_its_latest_metric_and_its_verdict(
    client: v3.MetricServiceClient, fake: FakeMetricService
) -> None:
    windows = [*days("v6", 0.8, 0.7, 0.72, None), *days("v7", 0.9, 0.91, 0.9), *days("v5", 0.5, 0.5)]
    verdict = decline(windows, RULE)
    series = points.time_series("acme-ml-dev", "churn", "dev", "auc", verdict, ["v6", "v7"], NOW)
    points.send(client, points.requests("acme-ml-dev", series))
    assert written(fake) == {
        (QUALITY, "v6"): 0.72,  # the latest countable window; the undefined one after it is skipped
        (DECLINED, "v6"): 1,
        (QUALITY, "v7"): 0.9,
        (DECLINED, "v7"): 0,
    }, "v5 serves no more: no points"
    labels = {dict(key[1])["stack"] for key in fake.series} | {dict(key[1])["metric"] for key in fake.series}
    assert labels == {"dev", "auc"}


def test_points_are_stamped_at_the_run_not_at_the_windows_days_before(
    client: v3.MetricServiceClient, fake: FakeMetricService
) -> None:
    windows = days("v6", 0.8, 0.81)  # November 1st and 2nd; the run is on the 20th
    series = points.time_series("acme-ml-dev", "churn", "dev", "auc", decline(windows, RULE), ["v6"], NOW)
    points.send(client, points.requests("acme-ml-dev", series))
    assert {point.interval.end_time for stored in fake.series.values() for point in stored} == {NOW}
    stale = points.time_series("acme-ml-dev", "churn", "dev", "auc", decline(windows, RULE), ["v6"], windows[-1].end)
    with pytest.raises(InvalidArgument, match="not within 25 hours"):
        points.send(client, points.requests("acme-ml-dev", stale))


def test_a_version_without_a_countable_window_says_only_that_it_has_not_declined(
    client: v3.MetricServiceClient, fake: FakeMetricService
) -> None:
    verdict = decline(days("v6", 0.9, 0.9, coverage=0.1), RULE)
    points.send(
        client,
        points.requests("acme-ml-dev", points.time_series("acme-ml-dev", "churn", "dev", "auc", verdict, ["v6"], NOW)),
    )
    assert written(fake) == {(DECLINED, "v6"): 0}


def test_many_versions_go_in_requests_of_at_most_200_series(
    client: v3.MetricServiceClient, fake: FakeMetricService
) -> None:
    versions = [f"v{i}" for i in range(1, 151)]
    verdict = decline([w for v in versions for w in days(v, 0.8)], RULE)
    batches = points.requests(
        "acme-ml-dev", points.time_series("acme-ml-dev", "churn", "dev", "auc", verdict, versions, NOW)
    )
    assert [len(b.time_series) for b in batches] == [200, 100]
    points.send(client, batches)
    assert len(fake.series) == 300


def test_the_local_file_holds_the_very_requests(fake: FakeMetricService, client: v3.MetricServiceClient) -> None:
    verdict = decline(days("v6", 0.7, 0.7), RULE)
    batches = points.requests(
        "acme-ml-dev", points.time_series("acme-ml-dev", "churn", "dev", "auc", verdict, ["v6"], NOW)
    )
    text = points.to_json(batches)
    parsed = [v3.CreateTimeSeriesRequest.from_json(json.dumps(body)) for body in json.loads(text)]
    assert parsed == batches
    assert text == points.to_json(batches), "byte-identical on every run"
    points.send(client, parsed)
    assert written(fake) == {(QUALITY, "v6"): 0.7, (DECLINED, "v6"): 1}
    assert NOW - timedelta(hours=1) < parsed[0].time_series[0].points[0].interval.end_time <= NOW
