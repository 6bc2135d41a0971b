"""The MetricService fake answers as Cloud Monitoring documents it, rule by rule, or the writer's tests are void."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from google.api_core.exceptions import InvalidArgument
from google.cloud import monitoring_v3 as v3

from estaleiro.quality.series import DECLINED, QUALITY
from tests.quality.conftest import NOW
from tests.quality.fake_metric_service import FakeMetricService

LABELS = {"model": "churn", "version": "v6", "stack": "dev", "metric": "auc"}
GLOBAL = {"type": "global", "labels": {"project_id": "acme-ml-dev"}}


def series(metric_type: str = QUALITY, value: Any = None, **overrides: Any) -> v3.TimeSeries:
    point = v3.Point(interval=v3.TimeInterval(end_time=NOW), value=value or {"double_value": 0.8})
    fields = {"metric": {"type": metric_type, "labels": LABELS}, "resource": GLOBAL, "points": [point], **overrides}
    return v3.TimeSeries(**fields)


def write(client: v3.MetricServiceClient, *written: v3.TimeSeries) -> None:
    client.create_time_series(name="projects/acme-ml-dev", time_series=list(written))


def rejected(client: v3.MetricServiceClient, *written: v3.TimeSeries) -> str:
    with pytest.raises(InvalidArgument) as error:
        write(client, *written)
    return str(error.value.message)


def test_a_well_formed_point_of_each_declared_metric_is_stored(
    client: v3.MetricServiceClient, fake: FakeMetricService
) -> None:
    write(client, series(), series(DECLINED, {"int64_value": 1}))
    assert sorted(key[0] for key in fake.series) == sorted([QUALITY, DECLINED])


def test_at_most_200_series_per_request(client: v3.MetricServiceClient, fake: FakeMetricService) -> None:
    many = [series(metric={"type": QUALITY, "labels": {**LABELS, "version": f"v{i}"}}) for i in range(201)]
    assert "201 time series; at most 200" in rejected(client, *many)
    assert not fake.series
    write(client, *many[:200])
    assert len(fake.series) == 200


def test_a_series_appears_once_per_request_and_the_others_are_written(
    client: v3.MetricServiceClient, fake: FakeMetricService
) -> None:
    assert "timeSeries[1]: appears twice in one request" in rejected(client, series(), series())
    assert len(fake.series) == 1, "the valid series is written; the failure is the error"


def test_exactly_one_point_per_series(client: v3.MetricServiceClient) -> None:
    two = series()
    two.points.append(
        v3.Point(interval=v3.TimeInterval(end_time=NOW - timedelta(minutes=1)), value={"double_value": 1.0})
    )
    assert "2 points; a create carries exactly one" in rejected(client, two)
    assert "0 points" in rejected(client, series(points=[]))


def test_the_point_type_is_the_descriptors_value_type(client: v3.MetricServiceClient) -> None:
    assert "a int64_value point; the descriptor's value type takes double_value" in rejected(
        client, series(value={"int64_value": 1})
    )
    assert "a double_value point; the descriptor's value type takes int64_value" in rejected(
        client, series(DECLINED, {"double_value": 1.0})
    )


def test_a_given_metric_kind_is_the_descriptors(client: v3.MetricServiceClient) -> None:
    assert "metric kind CUMULATIVE" in rejected(client, series(metric_kind="CUMULATIVE"))
    write(client, series(metric_kind="GAUGE"))


def test_labels_are_exactly_the_declared_ones(client: v3.MetricServiceClient) -> None:
    missing = {key: value for key, value in LABELS.items() if key != "stack"}
    assert "metric labels ['metric', 'model', 'version']" in rejected(
        client, series(metric={"type": QUALITY, "labels": missing})
    )
    extra = {**LABELS, "team": "ml"}
    assert "the descriptor declares ['metric', 'model', 'stack', 'version']" in rejected(
        client, series(metric={"type": QUALITY, "labels": extra})
    )


def test_an_undeclared_metric_or_resource_is_refused(client: v3.MetricServiceClient) -> None:
    assert "no metric descriptor 'custom.googleapis.com/other'" in rejected(
        client, series("custom.googleapis.com/other")
    )
    assert "resource 'gce_instance'" in rejected(client, series(resource={"type": "gce_instance", "labels": {}}))
    assert "resource 'global' with labels []" in rejected(client, series(resource={"type": "global"}))


def test_a_gauge_interval_is_one_instant(client: v3.MetricServiceClient) -> None:
    span = series(
        points=[
            v3.Point(
                interval=v3.TimeInterval(start_time=NOW - timedelta(days=1), end_time=NOW), value={"double_value": 0.8}
            )
        ]
    )
    assert "a GAUGE point's start time, when given, equals its end time" in rejected(client, span)
    same = series(
        points=[v3.Point(interval=v3.TimeInterval(start_time=NOW, end_time=NOW), value={"double_value": 0.8})]
    )
    write(client, same)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (-timedelta(hours=25, seconds=1), False),
        (-timedelta(hours=24, minutes=59), True),
        (timedelta(minutes=4), True),
        (timedelta(minutes=5, seconds=1), False),
    ],
)
def test_points_are_at_most_25_hours_old_and_5_minutes_ahead(
    client: v3.MetricServiceClient, offset: timedelta, accepted: bool
) -> None:
    at = series(points=[v3.Point(interval=v3.TimeInterval(end_time=NOW + offset), value={"double_value": 0.8})])
    if accepted:
        write(client, at)
    else:
        assert "is not within 25 hours before and 5 minutes after" in rejected(client, at)


def test_a_new_point_is_more_recent_than_the_series_latest(client: v3.MetricServiceClient) -> None:
    write(client, series())
    assert "is not after the series' latest point" in rejected(client, series())
    later = series(
        points=[v3.Point(interval=v3.TimeInterval(end_time=NOW + timedelta(minutes=1)), value={"double_value": 0.7})]
    )
    write(client, later)
