"""An in-process Cloud Monitoring: the real `AlertPolicyService` (monitoring v3) and `DashboardsService` (v1).

It refuses with INVALID_ARGUMENT what the API definitions say the API refuses; each rule cites its line
in the googleapis snapshot (commit f8291d2b89f0017ab078a4c7378069bae5686f6f, 2026-08-22) or Google's page.
ALERT is google/monitoring/v3/alert.proto; METRICS is google/monitoring/dashboard/v1/metrics.proto.
Created policies and dashboards are kept in memory, named as the API names them.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
from google.cloud import monitoring_dashboard_v1 as dashboards
from google.cloud import monitoring_v3
from google.protobuf.message import Message

from tests.providers.grpc_fake import GrpcFake, Method, Rejected

ALERTS, DASHBOARDS = "google.monitoring.v3.AlertPolicyService", "google.monitoring.dashboard.v1.DashboardsService"
Comparison = monitoring_v3.ComparisonType
# ALERT line 223, MetricThreshold.comparison: "Only `COMPARISON_LT` and `COMPARISON_GT` are supported currently."
SUPPORTED_COMPARISONS = frozenset({Comparison.COMPARISON_GT, Comparison.COMPARISON_LT})
# ALERT lines 249-252, MetricThreshold.evaluation_missing_data: "To use this control, the value of the
# `duration` field must be greater than or equal to 60 seconds."
MISSING_DATA_DURATION = 60
# ALERT lines 229-233, MetricThreshold.duration: "only values that are a multiple of a minute--e.g., 0, 60,
# 120, or 300 seconds--are supported. If an invalid value is given, an error will be returned." Lines
# 287-291, MetricAbsence.duration: "The minimum value of this field is 120 seconds. Larger values that are a
# multiple of a minute ... are supported."
DURATION_STEP, SHORTEST_ABSENCE = 60, 120
# ALERT lines 767-770, AlertPolicy.conditions: "A policy can have from one to six conditions."
MOST_CONDITIONS = 6
# ALERT line 172 (MetricThreshold.filter), 196 (denominator_filter), 271 (MetricAbsence.filter):
# "must not exceed 2048 Unicode characters in length".
FILTER_LIMIT = 2048
XY_CHART = dashboards.XyChart.pb(dashboards.XyChart()).DESCRIPTOR.full_name


def refuse(message: str) -> Rejected:
    return Rejected(grpc.StatusCode.INVALID_ARGUMENT, message)


def condition_problems(condition: monitoring_v3.AlertPolicy.Condition) -> Iterator[str]:
    name = condition.display_name
    threshold, absent = condition.condition_threshold, condition.condition_absent
    filters = {
        "condition_threshold.filter": threshold.filter,
        "condition_threshold.denominator_filter": threshold.denominator_filter,
        "condition_absent.filter": absent.filter,
    }
    for field, text in filters.items():
        if len(text) > FILTER_LIMIT:
            yield f"{name}: {field} has {len(text)} characters, more than {FILTER_LIMIT}"
    kind = condition._pb.WhichOneof("condition")
    body = threshold if kind == "condition_threshold" else absent if kind == "condition_absent" else None
    if body is None:
        return
    seconds = body.duration.total_seconds() if body.duration else 0
    if seconds % DURATION_STEP:
        yield f"{name}: duration {seconds:g}s is not a multiple of a minute"
    if kind == "condition_absent":
        if seconds < SHORTEST_ABSENCE:
            yield f"{name}: an absence duration of {seconds:g}s is under {SHORTEST_ABSENCE}s"
        return
    if threshold.comparison not in SUPPORTED_COMPARISONS:
        yield f"{name}: comparison {threshold.comparison.name} is not supported, only COMPARISON_GT and COMPARISON_LT"
    missing = monitoring_v3.AlertPolicy.Condition.EvaluationMissingData.EVALUATION_MISSING_DATA_UNSPECIFIED
    if threshold.evaluation_missing_data != missing and seconds < MISSING_DATA_DURATION:
        yield f"{name}: evaluation_missing_data needs a duration of at least {MISSING_DATA_DURATION}s, got {seconds:g}s"


def policy_problems(policy: monitoring_v3.AlertPolicy) -> list[str]:
    problems = [problem for condition in policy.conditions for problem in condition_problems(condition)]
    if not 1 <= len(policy.conditions) <= MOST_CONDITIONS:
        problems.append(f"{len(policy.conditions)} conditions: a policy has from 1 to {MOST_CONDITIONS}")
    return problems


def xy_charts(message: Message) -> Iterator[Message]:
    """Every XyChart anywhere in `message`: widgets nest in tiles, rows, columns and groups."""
    if message.DESCRIPTOR.full_name == XY_CHART:
        yield message
    for field, value in message.ListFields():
        if field.message_type is None or (field.message_type.GetOptions().map_entry):
            continue
        for child in value if field.is_repeated else [value]:
            yield from xy_charts(child)


def dashboard_problems(dashboard: dashboards.Dashboard) -> list[str]:
    """METRICS lines 185-190, Threshold: "Color is not allowed in a XyChart", "Direction is not allowed in a
    XyChart"."""
    problems = []
    for chart in xy_charts(dashboards.Dashboard.pb(dashboard)):
        for threshold in chart.thresholds:  # type: ignore[attr-defined]
            for field in ("color", "direction"):
                if getattr(threshold, field):
                    problems.append(
                        f"threshold {threshold.label or threshold.value!r}: {field} is not allowed in a XyChart"
                    )
    return problems


class FakeMonitoring(GrpcFake):
    """Alert policies and dashboards of one fake project, served on 127.0.0.1."""

    def __init__(self, project: str = "acme-ml-dev") -> None:
        super().__init__()
        self.project = project
        self.policies: dict[str, monitoring_v3.AlertPolicy] = {}
        self.dashboards: dict[str, dashboards.Dashboard] = {}

    def methods(self) -> list[Method]:
        v3, d = monitoring_v3, dashboards
        return [
            (
                ALERTS,
                "CreateAlertPolicy",
                v3.CreateAlertPolicyRequest.deserialize,
                v3.AlertPolicy.serialize,
                self._create,
            ),
            (
                ALERTS,
                "UpdateAlertPolicy",
                v3.UpdateAlertPolicyRequest.deserialize,
                v3.AlertPolicy.serialize,
                self._update,
            ),
            (
                DASHBOARDS,
                "CreateDashboard",
                d.CreateDashboardRequest.deserialize,
                d.Dashboard.serialize,
                self._dashboard,
            ),
        ]

    def _checked(self, policy: monitoring_v3.AlertPolicy) -> monitoring_v3.AlertPolicy:
        problems = policy_problems(policy)
        if problems:
            raise refuse("; ".join(problems))
        return policy

    def _create(self, request: monitoring_v3.CreateAlertPolicyRequest) -> monitoring_v3.AlertPolicy:
        policy = self._checked(monitoring_v3.AlertPolicy(request.alert_policy))
        policy.name = f"{request.name}/alertPolicies/{self.next_id()}"
        self.policies[policy.name] = policy
        return policy

    def _update(self, request: monitoring_v3.UpdateAlertPolicyRequest) -> monitoring_v3.AlertPolicy:
        if request.alert_policy.name not in self.policies:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"{request.alert_policy.name} not found")
        policy = self._checked(monitoring_v3.AlertPolicy(request.alert_policy))
        self.policies[policy.name] = policy
        return policy

    def _dashboard(self, request: dashboards.CreateDashboardRequest) -> dashboards.Dashboard:
        problems = dashboard_problems(request.dashboard)
        if problems:
            raise refuse("; ".join(problems))
        dashboard = dashboards.Dashboard(request.dashboard)
        dashboard.name = dashboard.name or f"{request.parent}/dashboards/{self.next_id()}"
        self.dashboards[dashboard.name] = dashboard
        return dashboard
