"""How what is sent becomes field paths: the walk over API messages, on small inputs."""

from __future__ import annotations

import json

from google.cloud.monitoring_v3 import AlertPolicy, CreateAlertPolicyRequest

from estaleiro.contracts import contracts
from tests.contracts.sent import RESOURCES, from_plan, from_request, walk


def paths(sent: object) -> set[str]:
    return {s.path for s in sent}  # type: ignore[attr-defined]


def test_nested_messages_lists_and_maps_become_paths_and_a_map_is_one_leaf() -> None:
    policy = {
        "displayName": "p",
        "userLabels": {"model": "churn", "env": "dev"},
        "conditions": [{"conditionThreshold": {"comparison": "COMPARISON_GT", "duration": "60s"}}],
    }
    assert paths(walk("google.monitoring.v3.AlertPolicy", policy, "here")) == {
        "google.monitoring.v3.AlertPolicy.display_name",
        "google.monitoring.v3.AlertPolicy.user_labels",
        "google.monitoring.v3.AlertPolicy.conditions.condition_threshold.comparison",
        "google.monitoring.v3.AlertPolicy.conditions.condition_threshold.duration",
    }


def test_a_field_the_message_lacks_is_a_path_no_contract_names() -> None:
    [sent] = walk("google.monitoring.v3.AlertPolicy", {"notThere": 1}, "here")
    assert sent.path == "google.monitoring.v3.AlertPolicy.not_there" and sent.path not in contracts()


def test_a_threshold_sees_its_siblings_by_proto_name() -> None:
    condition = {"conditionThreshold": {"evaluationMissingData": "EVALUATION_MISSING_DATA_NO_OP", "duration": "0s"}}
    sent = {s.path: s for s in walk("google.monitoring.v3.AlertPolicy.Condition", condition, "here")}
    missing = sent["google.monitoring.v3.AlertPolicy.Condition.condition_threshold.evaluation_missing_data"]
    assert missing.siblings["duration"] == "0s"


def test_plan_inputs_are_renamed_decoded_or_kept_as_the_type_table_says() -> None:
    dashboard = {"displayName": "d", "mosaicLayout": {"columns": 12}}
    plan = {
        "resources": [
            {
                "type": "gcp:monitoring/dashboard:Dashboard",
                "custom": True,
                "urn": "u1",
                "inputs": {"project": "p", "dashboardJson": json.dumps(dashboard)},
            },
            {
                "type": "gcp:projects/service:Service",
                "custom": True,
                "urn": "u2",
                "inputs": {"disableOnDestroy": False},
            },
            {"type": "gcp:new/kind:Kind", "custom": True, "urn": "u3", "inputs": {}},
        ]
    }
    assert paths(from_plan(plan)) == {
        "google.monitoring.dashboard.v1.CreateDashboardRequest.parent",
        "google.monitoring.dashboard.v1.Dashboard.display_name",
        "google.monitoring.dashboard.v1.Dashboard.mosaic_layout.columns",
        "unmapped:gcp:new/kind:Kind",
    }
    assert "disableOnDestroy" in RESOURCES["gcp:projects/service:Service"].kept


def test_a_recorded_request_is_named_from_its_own_message() -> None:
    request = CreateAlertPolicyRequest(name="projects/p", alert_policy=AlertPolicy(display_name="x"))
    assert paths(from_request(request, "here")) == {
        "google.monitoring.v3.CreateAlertPolicyRequest.name",
        "google.monitoring.v3.CreateAlertPolicyRequest.alert_policy.display_name",
    }
