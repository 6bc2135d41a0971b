"""Continuous training in the cloud: the template published once per stack, a schedule per trained model."""

from __future__ import annotations

import json

from estaleiro.config.environment import load_environment
from estaleiro.plan.model import Plan
from tests.conftest import REPO

TEMPLATE = "pulumi-python:dynamic/kfp:PipelineTemplate"
SCHEDULE = "gcp:colab/schedule:Schedule"


def test_dev_publishes_the_compiled_template_and_schedules_its_version(dev: Plan) -> None:
    [template] = [t for t in dev.of_type(TEMPLATE) if t.inputs["package"] == "continuous-training"]
    compiled = (REPO / "pipeline_specs/compiled/continuous-training.yaml").read_text(encoding="utf-8")
    assert template.inputs["template"] == compiled and template.inputs["package"] == "continuous-training"
    assert template.inputs["host"] == "https://us-central1-kfp.pkg.dev/acme-ml-dev/acme-ml-dev-pipelines"
    [schedule] = [s for s in dev.of_type(SCHEDULE) if s.inputs["displayName"].endswith("-continuous-training")]
    assert schedule.inputs["cron"] == "0 4 * * 1" and schedule.inputs["maxConcurrentRunCount"] == "1"
    job = schedule.inputs["createPipelineJobRequest"]["pipelineJob"]
    version = load_environment(REPO, "dev").pipelines["continuous-training"].digest
    assert job["templateUri"] == f"{template.inputs['host']}/continuous-training/{version}", "a version, never a tag"
    assert job["serviceAccount"] == "dev-pipeline-runner@acme-ml-dev.iam.gserviceaccount.com"
    assert job["encryptionSpec"]["kmsKeyName"].endswith("/cryptoKeys/vertex")
    assert job["runtimeConfig"]["gcsOutputDirectory"] == "gs://acme-ml-dev-pipeline-root/churn"


def test_the_run_parameters_are_the_manifests_values(dev: Plan) -> None:
    [schedule] = [s for s in dev.of_type(SCHEDULE) if s.inputs["displayName"].endswith("-continuous-training")]
    values = schedule.inputs["createPipelineJobRequest"]["pipelineJob"]["runtimeConfig"]["parameterValues"]
    assert set(values) == {"spec", "data_uri", "baseline_uri", "models_bucket", "repository", "bucket_mirror"}
    assert values["data_uri"] == "bq://acme-ml-dev.churn.training_latest"
    assert values["baseline_uri"] == "bq://acme-ml-dev.churn.training_2026_07"  # the champion v6's training data
    assert values["repository"] == "github:acme/estaleiro" and values["bucket_mirror"] == ""
    spec = json.loads(values["spec"])
    assert spec["champion"]["version"] == "v6" and spec["training"]["judge"] == {
        "primaryMetric": "auc",
        "minimumGain": 0.005,
    }
    assert spec["serve_image"].endswith("-serve:" + spec["serve_image"].rsplit(":", 1)[1])


def test_the_runner_may_read_the_training_table_and_prod_trains_nothing(dev: Plan, prod: Plan) -> None:
    grants = [
        g for g in dev.of_type("gcp:bigquery/datasetIamMember:DatasetIamMember") if g.inputs["datasetId"] == "churn"
    ]
    assert [(g.inputs["project"], g.inputs["role"], g.inputs["member"]) for g in grants] == [
        (
            "acme-ml-dev",
            "roles/bigquery.dataViewer",
            "serviceAccount:dev-pipeline-runner@acme-ml-dev.iam.gserviceaccount.com",
        )
    ]
    trains = [t for t in prod.of_type(TEMPLATE) if t.inputs["package"] == "continuous-training"]
    assert not trains, "prod takes versions from dev, never trains"
