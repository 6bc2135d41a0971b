"""Monitoring as the manifests declare it: request logs, drift monitors, channels, alert policies, dashboards."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.api_core.exceptions import InvalidArgument
from google.cloud import monitoring_dashboard_v1, monitoring_v3
from google.cloud.monitoring_dashboard_v1.services.dashboards_service.transports import DashboardsServiceGrpcTransport
from google.cloud.monitoring_v3.services.alert_policy_service.transports import AlertPolicyServiceGrpcTransport
from google.protobuf import json_format

from components.monitoring.alerts import CONDITIONS_PER_POLICY
from components.monitoring.metrics import FILTER_LIMIT, drift_chunks, drift_series
from components.monitoring.request_log import request_table
from components.platform import Platform
from estaleiro.config.environment import load_environment
from estaleiro.plan.engine import run_program
from estaleiro.plan.mocks import numeric_id
from estaleiro.plan.model import Plan, PlannedResource
from tests.components.conftest import REPO
from tests.components.test_serving import peering_config
from tests.fakes.fake_monitoring import FakeMonitoring
from tests.providers.grpc_fake import gapic_client, running

POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
DASHBOARD = "gcp:monitoring/dashboard:Dashboard"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
MONITORS = "pulumi-python:dynamic/vertex:ModelMonitors"
ENDPOINT = "gcp:vertex/aiEndpoint:AiEndpoint"
DATASET = "gcp:bigquery/dataset:Dataset"
DOCUMENTED = yaml.safe_load((REPO / "components/monitoring/metric_types.yaml").read_text())
CUSTOM: dict[str, Any] = DOCUMENTED["custom"]["metrics"]
METRICS: dict[str, Any] = DOCUMENTED["metrics"] | CUSTOM
RESOURCE_LABELS = {"aiplatform.googleapis.com/Endpoint": {"endpoint_id", "location", "resource_container"}}
DESCRIPTOR = "gcp:monitoring/metricDescriptor:MetricDescriptor"


def policies(plan: Plan) -> dict[str, PlannedResource]:
    return {p.name.rsplit("-", 1)[-1]: p for p in plan.of_type(POLICY)}


def endpoint_id(plan: Plan) -> str:
    [endpoint] = plan.of_type(ENDPOINT)
    return str(endpoint.inputs["name"])


def plan_edited(tmp_path: Path, stack: str, old: str, new: str) -> Plan:
    """The platform of `stack` after replacing `old` by `new` in its churn manifest."""
    copy_repository(tmp_path)
    return plan_of(tmp_path, stack, old, new)


def copy_repository(tmp_path: Path) -> None:
    for name in ("stacks", "model_cards", "pipeline_specs"):  # what the loader reads
        shutil.copytree(REPO / name, tmp_path / name)


def plan_of(tmp_path: Path, stack: str, old: str, new: str) -> Plan:
    """The platform of `stack` in the copy at `tmp_path`, after replacing `old` by `new` in its churn manifest."""
    manifest = tmp_path / f"stacks/{stack}/models/churn.yaml"
    assert old in manifest.read_text()
    manifest.write_text(manifest.read_text().replace(old, new))
    env = load_environment(tmp_path, stack)
    return run_program(lambda: Platform(f"acme-ml-{stack}", env), stack, env.config.project, env.config.region)


# -- request-response logging ------------------------------------------------------------------


def request_log(plan: Plan) -> PlannedResource:
    [dataset] = [d for d in plan.of_type(DATASET) if d.inputs["labels"]["purpose"] == "request-log"]
    return dataset


def test_each_endpoint_logs_requests_into_the_stacks_dataset_at_its_sampling_rate(plan: Plan) -> None:
    [endpoint] = plan.of_type(ENDPOINT)
    config = endpoint.inputs["predictRequestResponseLoggingConfig"]
    rate = {"dev": 1.0, "prod": 0.2}[plan.stack]
    assert (config["enabled"], config["samplingRate"]) == (True, rate)
    env = load_environment(REPO, plan.stack)
    assert config["bigqueryDestination"]["outputUri"] == request_table(env, env.models[0])  # the endpoint's own
    assert request_log(plan).urn in endpoint.dependencies, "the endpoint waits for its log dataset"


def test_the_request_log_is_encrypted_labelled_expiring_and_readable_by_monitoring(plan: Plan) -> None:
    inputs = request_log(plan).inputs
    assert inputs["defaultEncryptionConfiguration"]["kmsKeyName"].endswith("/cryptoKeys/bigquery")
    assert inputs["defaultPartitionExpirationMs"] == 90 * 86_400_000
    assert inputs["labels"]["purpose"] == "request-log" and inputs["location"] == "us-central1"
    grants = plan.of_type("gcp:bigquery/datasetIamMember:DatasetIamMember")
    readers = [g.inputs for g in grants if g.inputs["datasetId"] == inputs["datasetId"]]  # training reads its own
    assert sorted((r["role"], r["member"]) for r in readers) == [
        (
            "roles/bigquery.dataViewer",
            f"serviceAccount:{plan.stack}-{role}@acme-ml-{plan.stack}.iam.gserviceaccount.com",
        )
        for role in ("monitoring", "pipeline-runner")  # the model-quality pipeline reads the log
    ]


# -- Model Monitoring v2 -----------------------------------------------------------------------


def test_every_served_version_has_a_monitor_with_the_manifests_thresholds_and_its_cards_baseline(plan: Plan) -> None:
    [monitors] = plan.of_type(MONITORS)
    inputs = monitors.inputs
    served = {"dev": {"v6", "v7"}, "prod": {"v6"}}[plan.stack]
    assert set(inputs["versions"]) == served
    assert inputs["versions"]["v6"]["training_table"] == "bq://acme-ml-dev.churn.training_2026_07"
    assert (
        inputs["versions"]["v6"]["model"]
        == f"projects/acme-ml-{plan.stack}/locations/us-central1/models/acme-ml-{plan.stack}-churn"
    )
    assert inputs["thresholds"]["plan"] == 0.2 and inputs["thresholds"]["tenure_months"] == 0.3
    assert inputs["features"]["plan"] == "categorical" and inputs["cron"] == "0 * * * *"
    assert inputs["endpoint"] == f"projects/acme-ml-{plan.stack}/locations/us-central1/endpoints/{endpoint_id(plan)}"
    [deployment] = plan.of_type("pulumi-python:dynamic/vertex:EndpointDeployment")
    assert deployment.urn in monitors.dependencies, "monitors read a deployed model's log"


def test_a_version_at_zero_traffic_is_not_monitored_and_a_retired_one_loses_its_monitor(tmp_path: Path) -> None:
    canary_at_zero = plan_edited(
        tmp_path / "zero", "dev", "traffic:\n  v6: 90\n  v7: 10", "traffic:\n  v6: 100\n  v7: 0"
    )
    [monitors] = canary_at_zero.of_type(MONITORS)
    assert set(monitors.inputs["versions"]) == {"v6"}
    retired = plan_edited(tmp_path / "retired", "dev", "traffic:\n  v6: 90\n  v7: 10", "traffic:\n  v6: 0\n  v7: 100")
    [monitors] = retired.of_type(MONITORS)
    assert set(monitors.inputs["versions"]) == {"v7"}


def test_without_features_there_is_no_monitor_and_no_drift_policy_but_serving_is_watched(tmp_path: Path) -> None:
    manifest = (REPO / "stacks/dev/models/churn.yaml").read_text()
    block = manifest[manifest.index("monitoring:") :]
    plan = plan_edited(tmp_path, "dev", block, "")
    assert plan.of_type(MONITORS) == []
    assert set(policies(plan)) == {"health"}
    assert len(policies(plan)["health"].inputs["conditions"]) == 4
    assert "retrain" not in policies(plan)["health"].inputs["userLabels"]  # no drift: nothing asks for retraining
    assert len(plan.of_type(DASHBOARD)) == 1


# -- channels and alert policies ---------------------------------------------------------------


def test_an_email_channel_per_address_and_a_pubsub_channel_for_automation(plan: Plan) -> None:
    channels = {c.inputs["type"]: c for c in plan.of_type(CHANNEL) if c.inputs["type"] == "pubsub"}
    emails = {c.inputs["labels"]["email_address"] for c in plan.of_type(CHANNEL) if c.inputs["type"] == "email"}
    env = load_environment(REPO, plan.stack)
    extra = {"dev": set(), "prod": {"churn-ds@acme.example.com"}}[plan.stack]  # the prod manifest's own recipient
    assert emails == set(env.config.notification_emails) | extra and len(emails) == len(
        env.config.notification_emails
    ) + len(extra)
    topic = f"projects/acme-ml-{plan.stack}/topics/acme-ml-{plan.stack}-alerts"
    assert channels["pubsub"].inputs["labels"] == {"topic": topic}
    [grant] = plan.of_type("gcp:pubsub/topicIAMMember:TopicIAMMember")
    assert grant.inputs["role"] == "roles/pubsub.publisher"
    assert re.fullmatch(
        r"serviceAccount:service-\d{12}@gcp-sa-monitoring-notification\.iam\.gserviceaccount\.com",
        grant.inputs["member"],
    )
    [topic_resource] = plan.of_type("gcp:pubsub/topic:Topic")
    assert topic_resource.inputs["kmsKeyName"].endswith("/cryptoKeys/pubsub")


def test_every_policy_notifies_all_channels_and_names_model_stack_and_team(plan: Plan) -> None:
    channels = {c.urn: c for c in plan.of_type(CHANNEL)}
    assert set(policies(plan)) == {"health", "quality"}  # 4 serving + 2 drift conditions fit in one policy
    for policy in plan.of_type(POLICY):
        assert len(policy.inputs["notificationChannels"]) == len(channels), policy.name
        labels = policy.inputs["userLabels"]
        assert (labels["model"], labels["env"], labels["team"]) == ("churn", plan.stack, "ml-platform"), policy.name
        assert len(policy.inputs["conditions"]) <= CONDITIONS_PER_POLICY, policy.name


def test_documentation_says_what_fired_what_it_means_and_the_runbook(plan: Plan) -> None:
    [dashboard] = plan.of_type(DASHBOARD)
    dashboard_id = json.loads(dashboard.inputs["dashboardJson"])["name"].rsplit("/", 1)[-1]
    url = f"https://console.cloud.google.com/monitoring/dashboards/builder/{dashboard_id}?project=acme-ml-{plan.stack}"
    for policy in plan.of_type(POLICY):
        documentation = policy.inputs["documentation"]
        assert documentation["mimeType"] == "text/markdown", policy.name
        text = documentation["content"]
        for part in (
            "**What fired**",
            "**What it means**",
            "**Runbook**",
            url,
            f"`estaleiro rollback churn --in {plan.stack}`",
        ):
            assert part in text, (policy.name, part)


def test_serving_conditions_carry_the_manifests_thresholds(plan: Plan) -> None:
    conditions = {
        c["displayName"]: c for c in policies(plan)["health"].inputs["conditions"] if "drift" not in c["displayName"]
    }
    by_kind = {name.split(" ")[0]: c for name, c in conditions.items()}
    assert by_kind["5xx"]["conditionThreshold"]["thresholdValue"] == 0.05
    assert "denominatorFilter" in by_kind["5xx"]["conditionThreshold"]
    assert by_kind["p99"]["conditionThreshold"]["thresholdValue"] == {"dev": 1000, "prod": 500}[plan.stack]
    # replicas are whole: "3 or more" of dev's maxReplicas 3 is "above 2.5"
    assert by_kind["replicas"]["conditionThreshold"]["thresholdValue"] == {"dev": 2.5, "prod": 5.5}[plan.stack]
    assert by_kind["replicas"]["conditionThreshold"]["comparison"] == "COMPARISON_GT"
    assert by_kind["no"]["conditionAbsent"]["duration"] == "1800s"
    for condition in conditions.values():
        body = condition.get("conditionThreshold") or condition["conditionAbsent"]
        assert f'resource.label.endpoint_id = "{endpoint_id(plan)}"' in body["filter"], condition["displayName"]


def test_drift_covers_each_feature_once_at_its_own_threshold(plan: Plan) -> None:
    [monitors] = plan.of_type(MONITORS)
    thresholds = monitors.inputs["thresholds"]
    covered: dict[str, float] = {}
    for condition in policies(plan)["health"].inputs["conditions"]:
        body = condition.get("conditionThreshold", {})
        if "feature_drift" not in body.get("filter", ""):
            continue
        features = re.search(r"feature_name = one_of\(([^)]*)\)", body["filter"])
        assert features is not None
        for feature in re.findall(r'"([^"]+)"', features.group(1)):
            assert feature not in covered, feature
            covered[feature] = body["thresholdValue"]
    assert covered == thresholds


def test_conditions_that_do_not_fit_one_policy_split_into_serving_and_drift_policies(tmp_path: Path) -> None:
    distinct = ", ".join(
        f"{f}: 0.{i + 1}"
        for i, f in enumerate(
            ["plan", "contract", "region", "support_calls", "tenure_months", "total_charges", "monthly_charges"]
        )
    )
    plan = plan_edited(tmp_path, "dev", "thresholds: {plan: 0.2, contract: 0.2}", f"thresholds: {{{distinct}}}")
    counts = {p.name: len(p.inputs["conditions"]) for p in plan.of_type(POLICY)}
    assert counts == {  # 0.1 ... 0.7: 7 thresholds, more than fit beside the 4 serving conditions
        "acme-ml-dev-churn-serving": 4,
        "acme-ml-dev-churn-drift": 6,
        "acme-ml-dev-churn-drift-2": 1,
        "acme-ml-dev-churn-quality": 1,
    }
    retrain = {p.name: p.inputs["userLabels"].get("retrain") for p in plan.of_type(POLICY)}
    assert retrain == {
        "acme-ml-dev-churn-serving": None,
        "acme-ml-dev-churn-drift": "drift",
        "acme-ml-dev-churn-drift-2": "drift",
        "acme-ml-dev-churn-quality": "quality",
    }


def test_a_policy_with_drift_asks_for_retraining_by_the_first_word_of_its_drift_conditions(plan: Plan) -> None:
    """functions/retrain starts a run for an incident whose condition begins with the `retrain` label's word."""
    health = policies(plan)["health"]
    word = health.inputs["userLabels"]["retrain"]
    asking = [c["displayName"] for c in health.inputs["conditions"] if c["displayName"].split(" ")[0] == word]
    assert [c.startswith("drift above") for c in asking] == [True, True], health.name


# -- metric types, filters and API objects ----------------------------------------------------


TERM = re.compile(
    r"^(?P<key>metric\.type|resource\.type|(?P<scope>metric|resource)\.label\.(?P<label>[a-z_]+)) "
    r'(= (?P<value>"[^"]*"|one_of\(("[^"]*"(, )?)+\)|starts_with\("[^"]*"\))|[<>]=? [0-9]+)$'
)


def check_filter(text: str) -> str:
    """A monitoring filter of `AND`ed terms on one documented metric and its documented labels; returns the metric."""
    terms = [TERM.match(term) for term in text.split(" AND ")]
    assert all(terms), text
    found = {m["key"]: m["value"] for m in terms if m}
    metric = found["metric.type"].strip('"')
    assert metric in METRICS, f"{metric} is not in metric_types.yaml"
    assert found["resource.type"].strip('"') == METRICS[metric]["resource"], text
    for match in terms:
        assert match is not None
        if match["scope"] == "metric":
            assert match["label"] in METRICS[metric]["labels"], (metric, match["label"])
        elif match["scope"] == "resource":
            assert match["label"] in RESOURCE_LABELS[METRICS[metric]["resource"]], (metric, match["label"])
    return metric


def filters_of(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k in ("filter", "denominatorFilter") and isinstance(v, str)] + [
            f for v in value.values() for f in filters_of(v)
        ]
    if isinstance(value, list):
        return [f for v in value for f in filters_of(v)]
    return []


def test_the_metric_list_names_its_source() -> None:
    assert DOCUMENTED["source"].startswith("https://cloud.google.com/monitoring/api/metrics_gcp")
    assert all(name.startswith("aiplatform.googleapis.com/") for name in DOCUMENTED["metrics"])
    assert (REPO / DOCUMENTED["custom"]["source"]).is_file()
    assert all(name.startswith("custom.googleapis.com/") for name in CUSTOM)  # creating-metrics: custom prefix


def test_each_listed_custom_metric_is_declared_by_the_stack_as_listed(plan: Plan) -> None:
    declared = {d.inputs["type"]: d.inputs for d in plan.of_type(DESCRIPTOR)}
    assert set(declared) == set(CUSTOM)
    for metric, listed in CUSTOM.items():
        inputs = declared[metric]
        assert listed["kind"] == f"{inputs['metricKind']} {inputs['valueType']} {inputs['unit']}", metric
        assert listed["labels"] == [label["key"] for label in inputs["labels"]], metric


def test_every_filter_reads_a_documented_metric_with_documented_labels(plan: Plan) -> None:
    used = set()
    for policy in plan.of_type(POLICY):
        used |= {check_filter(f) for f in filters_of(policy.inputs["conditions"])}
    [dashboard] = plan.of_type(DASHBOARD)
    layout = json.loads(dashboard.inputs["dashboardJson"])
    for tile in layout["mosaicLayout"]["tiles"]:
        if "logsPanel" not in tile["widget"]:
            used |= {check_filter(f) for f in filters_of(tile["widget"])}
    assert "aiplatform.googleapis.com/model_monitoring/feature_drift_deviation" in used
    assert "aiplatform.googleapis.com/prediction/online/response_count" in used
    assert set(CUSTOM) <= used  # the decline policy and the quality row


@pytest.mark.parametrize(
    "bad", ['metric.type = "aiplatform.googleapis.com/prediction/online/latency"', "metric.type=x"]
)
def test_the_filter_check_catches_typos(bad: str) -> None:
    with pytest.raises(AssertionError):
        check_filter(f'{bad} AND resource.type = "aiplatform.googleapis.com/Endpoint"')


def test_every_alert_policy_is_a_valid_monitoring_v3_alert_policy(plan: Plan) -> None:
    for policy in plan.of_type(POLICY):
        body = {key: value for key, value in policy.inputs.items() if key != "project"}
        parsed = json_format.ParseDict(body, monitoring_v3.AlertPolicy.pb(monitoring_v3.AlertPolicy()))
        assert parsed.combiner == monitoring_v3.AlertPolicy.ConditionCombinerType.OR, policy.name
        assert all(c.condition_threshold.filter or c.condition_absent.filter for c in parsed.conditions)


def test_a_typo_in_a_policy_fails_the_parse() -> None:
    with pytest.raises(json_format.ParseError):
        json_format.ParseDict(
            {"conditions": [{"conditionTreshold": {}}]}, monitoring_v3.AlertPolicy.pb(monitoring_v3.AlertPolicy())
        )


def test_the_dashboard_is_a_valid_dashboard_laid_out_most_important_first(plan: Plan) -> None:
    [dashboard] = plan.of_type(DASHBOARD)
    body = json.loads(dashboard.inputs["dashboardJson"])
    parsed = json_format.ParseDict(body, monitoring_dashboard_v1.Dashboard.pb(monitoring_dashboard_v1.Dashboard()))
    tiles = sorted(parsed.mosaic_layout.tiles, key=lambda t: (t.y_pos, t.x_pos))
    titles = [t.widget.title for t in tiles]
    assert titles[:2] == ["Open incidents of this model", "Traffic per deployed version (predictions/s)"]
    assert "Feature drift against training data, per feature" in titles and titles[-1] == "Endpoint logs"
    quality = titles.index("Replicas against target, per deployed version") + 2  # a row of serving health first
    assert titles[quality].startswith("Served auc per version") and titles[quality + 1].startswith("Quality declined")
    assert titles[quality + 2].startswith("Feature drift")  # the measured outcome above its proxy
    cells: set[tuple[int, int]] = set()
    for tile in tiles:
        assert tile.x_pos + tile.width <= parsed.mosaic_layout.columns, tile.widget.title
        mine = {
            (x, y)
            for x in range(tile.x_pos, tile.x_pos + tile.width)
            for y in range(tile.y_pos, tile.y_pos + tile.height)
        }
        assert not cells & mine, f"{tile.widget.title} overlaps another tile"
        cells |= mine
    assert parsed.name == f"projects/acme-ml-{plan.stack}/dashboards/acme-ml-{plan.stack}-churn"


# -- what the API accepts, beyond what parses ------------------------------------------------


def api_policy(policy: PlannedResource) -> monitoring_v3.AlertPolicy:
    body = {key: value for key, value in policy.inputs.items() if key != "project"}
    return monitoring_v3.AlertPolicy.deserialize(
        json_format.ParseDict(body, monitoring_v3.AlertPolicy.pb(monitoring_v3.AlertPolicy())).SerializeToString()
    )


def dashboard_body(plan: Plan) -> dict[str, Any]:
    [dashboard] = plan.of_type(DASHBOARD)
    return json.loads(dashboard.inputs["dashboardJson"])  # type: ignore[no-any-return]


def charts(plan: Plan) -> list[dict[str, Any]]:
    return [t["widget"]["xyChart"] for t in dashboard_body(plan)["mosaicLayout"]["tiles"] if "xyChart" in t["widget"]]


def thresholds_of(plan: Plan) -> list[dict[str, Any]]:
    return [
        c["conditionThreshold"]
        for p in plan.of_type(POLICY)
        for c in p.inputs["conditions"]
        if "conditionThreshold" in c
    ]


def test_threshold_conditions_compare_only_above_or_below(plan: Plan) -> None:
    """alert.proto line 223: "Only `COMPARISON_LT` and `COMPARISON_GT` are supported currently"."""
    assert {t["comparison"] for t in thresholds_of(plan)} <= {"COMPARISON_GT", "COMPARISON_LT"}


def test_conditions_that_evaluate_missing_data_hold_for_a_minute_or_more(plan: Plan) -> None:
    """alert.proto lines 249-252: with evaluation_missing_data, "duration ... greater than or equal to 60 seconds"."""
    held = [t["duration"] for t in thresholds_of(plan) if "evaluationMissingData" in t]
    assert held and all(int(duration.rstrip("s")) >= 60 for duration in held), held


def test_xychart_thresholds_carry_a_value_and_a_label_only(plan: Plan) -> None:
    """metrics.proto lines 185-190: color and direction are not allowed in a XyChart."""
    lines = [line for chart in charts(plan) for line in chart.get("thresholds", [])]
    assert lines and all(set(line) == {"value", "label"} for line in lines), lines


def test_the_incident_list_shows_the_models_own_policies(plan: Plan) -> None:
    """IncidentList.policy_names (incident_list.proto lines 39-42), without the project prefix: every
    incident of the model (drift on the Model resource, quality on global), not only the endpoint's."""
    [incidents] = [t["widget"] for t in dashboard_body(plan)["mosaicLayout"]["tiles"] if "incidentList" in t["widget"]]
    names = sorted(f"alertPolicies/{numeric_id(p.name)[:19]}" for p in plan.of_type(POLICY))  # the mock's ids
    assert incidents["incidentList"] == {"policyNames": names} and len(names) == 2
    assert all(name.startswith("alertPolicies/") for name in names)


def test_legends_name_labels_each_series_is_grouped_by(plan: Plan) -> None:
    """legend_template: "interpolations of the form `${label_name}`" (xychart.proto lines 82-85)."""
    legends = 0
    for chart in charts(plan):
        for dataset in chart["dataSets"]:
            grouped = dataset["timeSeriesQuery"]["timeSeriesFilter"]["aggregation"].get("groupByFields", [])
            for label in re.findall(r"\$\{([^}]*)\}", dataset.get("legendTemplate", "")):
                legends += 1
                assert label.startswith("metric.labels."), label
                assert f"metric.label.{label.removeprefix('metric.labels.')}" in grouped, (label, grouped)
    assert legends >= 6


def test_a_peered_stack_reads_the_private_metric_family(tmp_path: Path) -> None:
    """A private services access endpoint reports prediction/online/private/* (using-private-endpoints)."""
    copy_repository(tmp_path)
    peering_config(tmp_path)
    text = (tmp_path / "stacks/prod/models/churn.yaml").read_text()
    watched = (
        text[text.index("monitoring:") : text.index("training:")]
        if "training:" in text
        else text[text.index("monitoring:") :]
    )
    plan = plan_of(tmp_path, "prod", watched, "monitoring:\n  requestLogging: false\n  alerts: {p99LatencyMs: 500}\n")
    used = {check_filter(f) for p in plan.of_type(POLICY) for f in filters_of(p.inputs["conditions"])}
    dashboard = {check_filter(f) for chart in charts(plan) for f in filters_of(chart)}
    private = "aiplatform.googleapis.com/prediction/online/private/"
    assert {f"{private}response_count", f"{private}prediction_latencies"} <= used & dashboard
    assert not {m for m in used | dashboard if "/prediction_count" in m or m.endswith("online/response_count")}
    [errors] = [f for p in plan.of_type(POLICY) for f in filters_of(p.inputs["conditions"]) if ">= 500" in f]
    assert errors.endswith("metric.label.response_code >= 500 AND metric.label.response_code < 600")


def test_public_and_private_service_connect_stacks_read_the_public_family(plan: Plan) -> None:
    used = {check_filter(f) for p in plan.of_type(POLICY) for f in filters_of(p.inputs["conditions"])}
    assert "aiplatform.googleapis.com/prediction/online/prediction_count" in used
    assert not [m for m in used if "/private/" in m]


def test_drift_filters_of_a_model_with_100_long_features_fit_the_api_limit(tmp_path: Path) -> None:
    """alert.proto line 172: a filter "must not exceed 2048 Unicode characters"; drift passed it at ~60 features."""
    features = [f"f{i:03d}_{'x' * 120}" for i in range(100)]  # FeatureName allows 128 characters
    manifest = (REPO / "stacks/dev/models/churn.yaml").read_text()
    block = manifest[manifest.index("  features:\n") : manifest.index("  samplingRate:")]
    declared = "".join(f"    {f}: numerical\n" for f in features)
    plan = plan_edited(tmp_path, "dev", block, f"  features:\n{declared}  drift:\n    defaultThreshold: 0.3\n")
    covered = []
    for policy in plan.of_type(POLICY):
        assert len(policy.inputs["conditions"]) <= CONDITIONS_PER_POLICY, policy.name
        for condition in policy.inputs["conditions"]:
            body = condition.get("conditionThreshold") or condition["conditionAbsent"]
            for text in filters_of(body):
                assert len(text) <= FILTER_LIMIT, (policy.name, condition["displayName"], len(text))
            if "feature_name" in body["filter"]:
                covered += re.findall(r'"(f[0-9]{3}_x+)"', body["filter"])
    assert sorted(covered) == features  # each feature watched once


@pytest.fixture
def fake() -> Iterator[FakeMonitoring]:
    yield from running(FakeMonitoring())


def test_every_policy_and_dashboard_of_the_plan_is_accepted_by_the_monitoring_fake(
    plan: Plan, fake: FakeMonitoring
) -> None:
    project = f"projects/acme-ml-{plan.stack}"
    for alerts in gapic_client(fake, monitoring_v3.AlertPolicyServiceClient, AlertPolicyServiceGrpcTransport):
        for policy in plan.of_type(POLICY):
            alerts.create_alert_policy(name=project, alert_policy=api_policy(policy))
    for boards in gapic_client(fake, monitoring_dashboard_v1.DashboardsServiceClient, DashboardsServiceGrpcTransport):
        body = json_format.ParseDict(
            dashboard_body(plan), monitoring_dashboard_v1.Dashboard.pb(monitoring_dashboard_v1.Dashboard())
        )
        boards.create_dashboard(
            parent=project, dashboard=monitoring_dashboard_v1.Dashboard.deserialize(body.SerializeToString())
        )
    assert (len(fake.policies), len(fake.dashboards)) == (len(plan.of_type(POLICY)), 1)


def test_the_shapes_these_stacks_used_to_send_are_refused_by_the_fake(dev: Plan, fake: FakeMonitoring) -> None:
    """COMPARISON_GE on saturation, a 0s duration with evaluation_missing_data, a direction on a chart line."""
    health = api_policy(policies(dev)["health"])
    saturation = next(c for c in health.conditions if c.display_name.startswith("replicas"))
    saturation.condition_threshold.comparison = monitoring_v3.ComparisonType.COMPARISON_GE
    quality = api_policy(policies(dev)["quality"])
    quality.conditions[0].condition_threshold.duration = {"seconds": 0}
    layout = dashboard_body(dev)
    next(c for c in (t["widget"].get("xyChart") for t in layout["mosaicLayout"]["tiles"]) if c and c.get("thresholds"))[
        "thresholds"
    ][0]["direction"] = "ABOVE"
    board = json_format.ParseDict(layout, monitoring_dashboard_v1.Dashboard.pb(monitoring_dashboard_v1.Dashboard()))
    for alerts in gapic_client(fake, monitoring_v3.AlertPolicyServiceClient, AlertPolicyServiceGrpcTransport):
        for policy, refusal in ((health, "COMPARISON_GE is not supported"), (quality, "at least 60s, got 0s")):
            with pytest.raises(InvalidArgument, match=refusal):
                alerts.create_alert_policy(name="projects/acme-ml-dev", alert_policy=policy)
    for boards in gapic_client(fake, monitoring_dashboard_v1.DashboardsServiceClient, DashboardsServiceGrpcTransport):
        with pytest.raises(InvalidArgument, match="direction is not allowed in a XyChart"):
            boards.create_dashboard(
                parent="projects/acme-ml-dev",
                dashboard=monitoring_dashboard_v1.Dashboard.deserialize(board.SerializeToString()),
            )
    assert fake.policies == {} and fake.dashboards == {}


def test_drift_features_are_chunked_to_fit_the_longest_schedule_ids_vertex_can_assign() -> None:
    """Schedule ids are int64s, 19 digits at most: chunks sized for those fit whatever ids the monitors get."""
    features = [f"f{i:03d}_{'x' * 124}" for i in range(100)]
    chunks = drift_chunks(features, schedules=3)
    assert [f for chunk in chunks for f in chunk] == features and len(chunks) > 1
    for chunk in chunks:
        assert len(drift_series(["9" * 19] * 3, chunk)) <= FILTER_LIMIT
    assert len(drift_series(["9" * 19] * 3, [*chunks[0], chunks[1][0]])) > FILTER_LIMIT  # each chunk is full
