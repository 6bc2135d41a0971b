"""Served quality in the cloud: the model-quality template, a schedule per measured model, the runner's grants."""

from __future__ import annotations

import json

from components.quality import versions_parameter
from estaleiro.config.environment import load_environment
from estaleiro.config.monitoring import Quality
from estaleiro.plan.model import Plan
from tests.conftest import REPO

TEMPLATE = "pulumi-python:dynamic/kfp:PipelineTemplate"
SCHEDULE = "gcp:colab/schedule:Schedule"
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
    assert values["requests"] == "bq://acme-ml-dev.acme_ml_dev_requests.churn"
    assert values["labels"] == "bq://acme-ml-dev.churn.ground_truth"
    assert (values["model"], values["stack"], values["project"]) == ("churn", "dev", "acme-ml-dev")
    assert (values["as_of"], values["points_file"]) == ("", ""), "now, and sent to Cloud Monitoring"
    quality = Quality.model_validate_json(values["quality"])
    assert (quality.threshold.min, quality.decline.windows, quality.decline.of) == (0.75, 2, 3)
    assert sorted(json.loads(values["versions"]).values()) == ["v6", "v7"]


def test_versions_map_deployed_model_ids_to_versions() -> None:
    assert versions_parameter({"v7": "222", "v6": "111"}) == '{"111": "v6", "222": "v7"}'


def test_the_runner_may_run_queries_and_read_the_log_and_the_ground_truth(dev: Plan, prod: Plan) -> None:
    for stack, plan in (("dev", dev), ("prod", prod)):
        runner = RUNNER.format(stack=stack)
        project = f"acme-ml-{stack}"
        jobs = [g.inputs for g in plan.of_type("gcp:projects/iAMMember:IAMMember") if g.inputs["member"] == runner]
        assert {(g["project"], g["role"]) for g in jobs} >= {(project, "roles/bigquery.jobUser")}
        read = sorted(
            (g.inputs["project"], g.inputs["datasetId"], g.inputs["role"])
            for g in plan.of_type("gcp:bigquery/datasetIamMember:DatasetIamMember")
            if g.inputs["member"] == runner
        )
        # dev's runner reads the churn dataset once, for training and ground truth alike
        assert read == [
            (project, f"acme_ml_{stack}_requests", "roles/bigquery.dataViewer"),
            (project, "churn", "roles/bigquery.dataViewer"),
        ], stack
