"""The Monitoring fake refuses what Cloud Monitoring's definitions refuse, rule by rule, through the real clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core.exceptions import InvalidArgument, NotFound
from google.cloud import monitoring_dashboard_v1 as dashboards
from google.cloud import monitoring_v3
from google.cloud.monitoring_dashboard_v1.services.dashboards_service.transports import DashboardsServiceGrpcTransport
from google.cloud.monitoring_v3.services.alert_policy_service.transports import AlertPolicyServiceGrpcTransport

from tests.fakes.fake_monitoring import FakeMonitoring
from tests.providers.grpc_fake import gapic_client, running

PROJECT = "projects/acme-ml-dev"
FILTER = (
    'metric.type = "aiplatform.googleapis.com/prediction/online/replicas" '
    'AND resource.type = "aiplatform.googleapis.com/Endpoint"'
)
Condition = monitoring_v3.AlertPolicy.Condition


@pytest.fixture
def fake() -> Iterator[FakeMonitoring]:
    yield from running(FakeMonitoring())


@pytest.fixture
def alerts(fake: FakeMonitoring) -> Iterator[monitoring_v3.AlertPolicyServiceClient]:
    yield from gapic_client(fake, monitoring_v3.AlertPolicyServiceClient, AlertPolicyServiceGrpcTransport)


@pytest.fixture
def boards(fake: FakeMonitoring) -> Iterator[dashboards.DashboardsServiceClient]:
    yield from gapic_client(fake, dashboards.DashboardsServiceClient, DashboardsServiceGrpcTransport)


def threshold(**fields: Any) -> Condition:
    body = {"filter": FILTER, "comparison": "COMPARISON_GT", "threshold_value": 2.5, "duration": {"seconds": 60}}
    return Condition(display_name="c", condition_threshold=Condition.MetricThreshold(body | fields))


def absent(seconds: int) -> Condition:
    return Condition(
        display_name="a", condition_absent=Condition.MetricAbsence(filter=FILTER, duration={"seconds": seconds})
    )


def policy(*conditions: Condition) -> monitoring_v3.AlertPolicy:
    return monitoring_v3.AlertPolicy(display_name="p", combiner="OR", conditions=list(conditions))


def refused(alerts: monitoring_v3.AlertPolicyServiceClient, body: monitoring_v3.AlertPolicy) -> str:
    with pytest.raises(InvalidArgument) as error:
        alerts.create_alert_policy(name=PROJECT, alert_policy=body)
    return str(error.value.message)


def test_a_valid_policy_is_created_named_and_can_be_updated(
    alerts: monitoring_v3.AlertPolicyServiceClient, fake: FakeMonitoring
) -> None:
    created = alerts.create_alert_policy(name=PROJECT, alert_policy=policy(threshold(), absent(1800)))
    assert created.name.startswith(f"{PROJECT}/alertPolicies/") and set(fake.policies) == {created.name}
    created.display_name = "renamed"
    assert alerts.update_alert_policy(alert_policy=created).display_name == "renamed"
    with pytest.raises(NotFound):
        alerts.update_alert_policy(alert_policy=monitoring_v3.AlertPolicy(name=f"{PROJECT}/alertPolicies/1"))


@pytest.mark.parametrize("comparison", ["COMPARISON_GE", "COMPARISON_LE", "COMPARISON_EQ", "COMPARISON_NE"])
def test_only_gt_and_lt_comparisons_are_accepted(
    alerts: monitoring_v3.AlertPolicyServiceClient, comparison: str
) -> None:
    assert f"comparison {comparison} is not supported" in refused(alerts, policy(threshold(comparison=comparison)))
    alerts.create_alert_policy(name=PROJECT, alert_policy=policy(threshold(comparison="COMPARISON_LT")))


def test_evaluation_missing_data_needs_a_duration_of_a_minute_or_more(
    alerts: monitoring_v3.AlertPolicyServiceClient,
) -> None:
    no_op = "EVALUATION_MISSING_DATA_NO_OP"
    message = refused(alerts, policy(threshold(duration={"seconds": 0}, evaluation_missing_data=no_op)))
    assert "evaluation_missing_data needs a duration of at least 60s, got 0s" in message
    alerts.create_alert_policy(name=PROJECT, alert_policy=policy(threshold(evaluation_missing_data=no_op)))
    alerts.create_alert_policy(name=PROJECT, alert_policy=policy(threshold(duration={"seconds": 0})))  # without it, 0s


def test_a_threshold_duration_is_a_whole_number_of_minutes(alerts: monitoring_v3.AlertPolicyServiceClient) -> None:
    assert "duration 90s is not a multiple of a minute" in refused(alerts, policy(threshold(duration={"seconds": 90})))


def test_an_absence_lasts_two_minutes_or_more(alerts: monitoring_v3.AlertPolicyServiceClient) -> None:
    assert "an absence duration of 60s is under 120s" in refused(alerts, policy(absent(60)))
    alerts.create_alert_policy(name=PROJECT, alert_policy=policy(absent(120)))


@pytest.mark.parametrize("count", [0, 7])
def test_a_policy_has_one_to_six_conditions(alerts: monitoring_v3.AlertPolicyServiceClient, count: int) -> None:
    assert f"{count} conditions: a policy has from 1 to 6" in refused(alerts, policy(*[threshold()] * count))
    alerts.create_alert_policy(name=PROJECT, alert_policy=policy(*[threshold()] * 6))


@pytest.mark.parametrize(
    ("field", "condition"),
    [
        ("condition_threshold.filter", lambda text: threshold(filter=text)),
        ("condition_threshold.denominator_filter", lambda text: threshold(denominator_filter=text)),
        (
            "condition_absent.filter",
            lambda text: Condition(
                display_name="c", condition_absent=Condition.MetricAbsence(filter=text, duration={"seconds": 120})
            ),
        ),
    ],
)
def test_a_filter_has_at_most_2048_characters(
    alerts: monitoring_v3.AlertPolicyServiceClient, field: str, condition: Any
) -> None:
    longest = FILTER + " " * (2048 - len(FILTER))
    alerts.create_alert_policy(name=PROJECT, alert_policy=policy(condition(longest)))
    assert f"{field} has 2049 characters, more than 2048" in refused(alerts, policy(condition(longest + " ")))


def board(threshold_line: dict[str, Any]) -> dashboards.Dashboard:
    """A chart nested in a collapsible group of a mosaic tile, with one threshold line."""
    chart = {"xy_chart": {"data_sets": [{"time_series_query": {"time_series_filter": {"filter": FILTER}}}]}}
    chart["xy_chart"]["thresholds"] = [threshold_line]
    return dashboards.Dashboard(
        display_name="d",
        mosaic_layout={"columns": 48, "tiles": [{"width": 48, "height": 16, "widget": {"title": "t", **chart}}]},
    )


def test_a_dashboard_with_value_and_label_thresholds_is_created(
    boards: dashboards.DashboardsServiceClient, fake: FakeMonitoring
) -> None:
    created = boards.create_dashboard(parent=PROJECT, dashboard=board({"value": 0.5, "label": "declined above"}))
    assert created.name.startswith(f"{PROJECT}/dashboards/") and set(fake.dashboards) == {created.name}


@pytest.mark.parametrize(("field", "value"), [("direction", "ABOVE"), ("color", "RED")])
def test_xychart_thresholds_refuse_direction_and_color(
    boards: dashboards.DashboardsServiceClient, fake: FakeMonitoring, field: str, value: str
) -> None:
    with pytest.raises(InvalidArgument) as error:
        boards.create_dashboard(parent=PROJECT, dashboard=board({"value": 0.5, "label": "x", field: value}))
    assert f"threshold 'x': {field} is not allowed in a XyChart" in str(error.value.message)
    assert fake.dashboards == {}


def test_a_chart_nested_in_a_group_is_held_to_the_same_rule(boards: dashboards.DashboardsServiceClient) -> None:
    inner = board({"value": 1, "direction": "BELOW"}).mosaic_layout.tiles[0].widget
    nested = dashboards.Dashboard(display_name="d", grid_layout={"widgets": [inner]})
    with pytest.raises(InvalidArgument):
        boards.create_dashboard(parent=PROJECT, dashboard=nested)
