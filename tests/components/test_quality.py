"""Served quality in the cloud: the model-quality template, a schedule per measured model, the runner's grants."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from components.monitoring.request_log import request_table
from components.quality import versions_parameter
from estaleiro.config.environment import load_environment
from estaleiro.config.monitoring import Quality
from estaleiro.config.stack import Serving
from estaleiro.plan.model import Plan
from estaleiro.quality.log_table import REQUEST_KEY
from estaleiro.quality.query import LABEL_COLUMNS
from tests.components.test_monitoring import plan_edited, policies
from tests.conftest import REPO

TEMPLATE = "pulumi-python:dynamic/kfp:PipelineTemplate"
SCHEDULE = "gcp:colab/schedule:Schedule"
DATASET = "gcp:bigquery/dataset:Dataset"
TABLE = "gcp:bigquery/table:Table"
DATASET_GRANT = "gcp:bigquery/datasetIamMember:DatasetIamMember"
# BigQuery table ids: letters, marks, numbers, connectors, dashes and spaces, up to 1,024 UTF-8 bytes
# (https://cloud.google.com/bigquery/docs/tables#table_naming); ours keep to [a-z0-9_].
BIGQUERY_TABLE_ID = re.compile(r"[a-z0-9_]{1,1024}")
RUNNER = "serviceAccount:{stack}-pipeline-runner@acme-ml-{stack}.iam.gserviceaccount.com"


def quality_schedule(plan: Plan) -> dict:  # type: ignore[type-arg]
    [schedule] = [s for s in plan.of_type(SCHEDULE) if s.inputs["displayName"].endswith("-churn-model-quality")]
    return schedule.inputs  # type: ignore[no-any-return]


def test_every_stack_that_measures_publishes_the_template_and_schedules_its_version(dev: Plan, prod: Plan) -> None:
    for stack, plan in (("dev", dev), ("prod", prod)):
        [template] = [t for t in plan.of_type(TEMPLATE) if t.inputs["package"] == "model-quality"]
        compiled = (REPO / "pipeline_specs/compiled/model-quality.yaml").read_text(encoding="utf-8")
        assert template.inputs["template"] == compiled
        schedule = quality_schedule(plan)
        assert schedule["cron"] == "0 6 * * *", "the quality block's default: daily"
        job = schedule["createPipelineJobRequest"]["pipelineJob"]
        version = load_environment(REPO, stack).pipelines["model-quality"].digest
        assert job["templateUri"] == f"{template.inputs['host']}/model-quality/{version}", "a version, never a tag"
        assert job["serviceAccount"] == RUNNER.format(stack=stack).removeprefix("serviceAccount:")
        assert job["labels"]["pipeline"] == "model-quality" and job["labels"]["env"] == stack


def test_the_run_parameters_are_the_manifests_rule_the_stacks_tables_and_the_deployed_versions(dev: Plan) -> None:
    values = quality_schedule(dev)["createPipelineJobRequest"]["pipelineJob"]["runtimeConfig"]["parameterValues"]
    assert set(values) == set(load_environment(REPO, "dev").pipelines["model-quality"].parameters)
    [endpoint] = dev.of_type("gcp:vertex/aiEndpoint:AiEndpoint")
    logged = endpoint.inputs["predictRequestResponseLoggingConfig"]["bigqueryDestination"]["outputUri"]
    assert values["requests"] == logged, "the schedule reads the table the endpoint writes"
    assert values["labels"] == "bq://acme-ml-dev.acme_ml_dev_ground_truth.churn", "the table the stack declares"
    assert (values["model"], values["stack"], values["project"]) == ("churn", "dev", "acme-ml-dev")
    assert (values["as_of"], values["points_file"]) == ("", ""), "now, and sent to Cloud Monitoring"
    quality = Quality.model_validate_json(values["quality"])
    assert (quality.threshold.min, quality.decline.windows, quality.decline.of) == (0.75, 2, 3)
    assert sorted(json.loads(values["versions"]).values()) == ["v6", "v7"]


def test_each_endpoint_logs_into_a_table_of_its_own_that_a_replacing_endpoint_does_not_find() -> None:
    """io.proto BigQueryDestination: with a full table "the Dataset must exist and table must not exist"."""
    env = load_environment(REPO, "dev")
    [churn] = env.models
    table = request_table(env, churn)
    assert table.startswith("bq://acme-ml-dev.acme_ml_dev_requests.churn_") and table == request_table(env, churn)
    serving = {
        "privateServiceConnect": {
            "projectAllowlist": ["acme-ml-dev"],
            "callers": ["serviceAccount:churn-scorer@acme-apps-dev.iam.gserviceaccount.com"],
        }
    }
    replacing = {
        "reached privately": {"serving": Serving.model_validate(serving)},
        "another region": {"region": "europe-west4"},
        "another prefix, so another endpoint id": {"prefix": "acme-ai"},
    }
    for why, change in replacing.items():
        other = replace(env, config=env.config.model_copy(update=change))
        assert request_table(other, churn).rsplit(".", 1)[1] != table.rsplit(".", 1)[1], why
    assert BIGQUERY_TABLE_ID.fullmatch(table.rsplit(".", 1)[1])


def test_versions_map_deployed_model_ids_to_versions() -> None:
    assert versions_parameter({"v7": "222", "v6": "111"}) == '{"111": "v6", "222": "v7"}'


def runner_reads(plan: Plan, stack: str) -> list[tuple[str, str, str]]:
    return sorted(
        (g.inputs["project"], g.inputs["datasetId"], g.inputs["role"])
        for g in plan.of_type(DATASET_GRANT)
        if g.inputs["member"] == RUNNER.format(stack=stack)
    )


def test_the_runner_may_run_queries_and_read_the_log_and_the_ground_truth(dev: Plan, prod: Plan) -> None:
    for stack, plan in (("dev", dev), ("prod", prod)):
        runner = RUNNER.format(stack=stack)
        project = f"acme-ml-{stack}"
        jobs = [g.inputs for g in plan.of_type("gcp:projects/iAMMember:IAMMember") if g.inputs["member"] == runner]
        assert {(g["project"], g["role"]) for g in jobs} >= {(project, "roles/bigquery.jobUser")}
        # churn, dev's training data, is read for training
        assert runner_reads(plan, stack) == [
            (project, f"acme_ml_{stack}_ground_truth", "roles/bigquery.dataViewer"),
            (project, f"acme_ml_{stack}_requests", "roles/bigquery.dataViewer"),
            *([(project, "churn", "roles/bigquery.dataViewer")] if stack == "dev" else []),
        ], stack


# -- the ground truth the stack declares ------------------------------------------------------


def test_the_stack_declares_each_measured_models_ground_truth_table(plan: Plan) -> None:
    stack, project = plan.stack, f"acme-ml-{plan.stack}"
    [dataset] = [d for d in plan.of_type(DATASET) if d.inputs["labels"]["purpose"] == "ground-truth"]
    assert (dataset.inputs["project"], dataset.inputs["datasetId"]) == (project, f"acme_ml_{stack}_ground_truth")
    assert dataset.inputs["defaultEncryptionConfiguration"]["kmsKeyName"].endswith("/cryptoKeys/bigquery")
    assert dataset.inputs["labels"]["env"] == stack and dataset.inputs["location"] == "us-central1"
    [table] = plan.of_type(TABLE)
    inputs = table.inputs
    assert (inputs["datasetId"], inputs["tableId"]) == (dataset.inputs["datasetId"], "churn")
    assert [(f["name"], f["type"], f["mode"]) for f in json.loads(inputs["schema"])] == [
        (REQUEST_KEY, "STRING", "REQUIRED"),
        ("label", "INT64", "REQUIRED"),
        ("label_time", "TIMESTAMP", "REQUIRED"),
    ]
    assert all(f["description"] for f in json.loads(inputs["schema"])), "every field says what it holds"
    assert inputs["timePartitioning"] == {"type": "DAY", "field": "label_time", "expirationMs": 90 * 86_400_000}
    assert inputs["clusterings"] == [REQUEST_KEY], "what the quality query groups and joins labels on"
    assert [f["name"] for f in json.loads(inputs["schema"])] == list(LABEL_COLUMNS), "the columns query.sql reads"
    assert (
        inputs["encryptionConfiguration"]["kmsKeyName"]
        == dataset.inputs["defaultEncryptionConfiguration"]["kmsKeyName"]
    )
    assert inputs["deletionProtection"] is True
    assert (inputs["labels"]["purpose"], inputs["labels"]["model"], inputs["labels"]["env"]) == (
        "ground-truth",
        "churn",
        stack,
    )
    assert table.parent == dataset.urn
    [measuring] = plan.of_type("estaleiro:quality:ModelQuality")
    assert table.urn in measuring.dependencies, "the schedules wait for their ground truth"


def test_an_external_labels_table_is_only_read_and_nothing_is_declared(tmp_path: Path) -> None:
    external = "bq://acme-ml-dev.labelling.churn_truth"
    plan = plan_edited(tmp_path, "dev", "  quality:  # ", f"  quality:\n    labels: {external}  # ")
    assert plan.of_type(TABLE) == []
    assert [d.inputs["labels"]["purpose"] for d in plan.of_type(DATASET)] == ["request-log"]
    values = quality_schedule(plan)["createPipelineJobRequest"]["pipelineJob"]["runtimeConfig"]["parameterValues"]
    assert values["labels"] == external
    assert runner_reads(plan, "dev") == [
        ("acme-ml-dev", "acme_ml_dev_requests", "roles/bigquery.dataViewer"),
        ("acme-ml-dev", "churn", "roles/bigquery.dataViewer"),
        ("acme-ml-dev", "labelling", "roles/bigquery.dataViewer"),
    ]
    assert f"the ground truth in `{external}`" in policies(plan)["quality"].inputs["documentation"]["content"]
