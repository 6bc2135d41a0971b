"""The retraining function as the stacks declare it: triggered by the alerts topic, running what each schedule
runs, as an account that can do little else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from google.cloud import aiplatform_v1 as v1

from components.platform import Platform
from components.retraining import PERMISSIONS, PUBLISHED
from estaleiro.config.environment import load_environment
from estaleiro.plan.engine import run_program
from estaleiro.plan.model import Plan, PlannedResource
from estaleiro.training.schedule import SETTINGS_OBJECT, SETTINGS_VARIABLE, derived_retrain_config
from functions.retrain.main import CONFIG, Settings
from tests.config.test_limits import add_model
from tests.conftest import REPO

FUNCTION = "gcp:cloudfunctionsv2/function:Function"
OBJECT = "gcp:storage/bucketObject:BucketObject"
BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
SCHEDULE = "gcp:colab/schedule:Schedule"
TOPIC = "gcp:pubsub/topic:Topic"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
ACCOUNT_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
RETRAINER = "serviceAccount:{stack}-retrainer@acme-ml-{stack}.iam.gserviceaccount.com"


def function(plan: Plan) -> PlannedResource:
    [found] = plan.of_type(FUNCTION)
    return found


def settings_object(plan: Plan) -> PlannedResource:
    [found] = [o for o in plan.of_type(OBJECT) if o.inputs["name"] == SETTINGS_OBJECT]
    return found


def deployed_settings(plan: Plan) -> Settings:
    """The settings as the function reads them: the object Pulumi writes."""
    return Settings.from_json(settings_object(plan).inputs["source"]["text"])


def test_the_alerts_topic_triggers_the_function_which_retries_api_errors(dev: Plan) -> None:
    plan = dev
    trigger = function(plan).inputs["eventTrigger"]
    [topic] = [t for t in plan.of_type(TOPIC) if t.name.endswith("-alerts")]
    assert trigger["pubsubTopic"] == f"projects/acme-ml-{plan.stack}/topics/{topic.inputs['name']}", plan.stack
    assert (trigger["eventType"], trigger["retryPolicy"]) == (PUBLISHED, "RETRY_POLICY_RETRY")
    service = function(plan).inputs["serviceConfig"]
    assert service["ingressSettings"] == "ALLOW_INTERNAL_ONLY" and service["maxInstanceCount"] == 1


def test_the_function_submits_what_each_schedule_submits(dev: Plan) -> None:
    plan = dev
    settings = deployed_settings(plan)
    schedules = [s for s in plan.of_type(SCHEDULE) if s.inputs["displayName"].endswith("-continuous-training")]
    assert schedules and settings.stack == plan.stack and sorted(settings.models) == ["churn"]
    for schedule in schedules:
        request = schedule.inputs["createPipelineJobRequest"]
        scheduled = v1.PipelineJob.from_json(json.dumps(request["pipelineJob"]))
        model = scheduled.labels["model"]
        assert settings.parent == request["parent"], schedule.name
        assert settings.models[model].pipeline_job == scheduled, schedule.name
        assert settings.models[model].pipeline_job.template_uri.split("/")[-1].startswith("sha256:"), schedule.name
        assert settings.models[model].every.total_seconds() == 24 * 3600, schedule.name


def test_a_retraining_on_this_machine_submits_what_the_deployed_function_would(dev: Plan) -> None:
    """The local settings name the foundation's places as the stack derives them: the same run, field for field."""
    assert Settings.from_json(derived_retrain_config(load_environment(REPO, "dev"))) == deployed_settings(dev)


def test_the_retrainer_may_only_create_and_list_pipeline_jobs_and_run_as_the_runner(dev: Plan) -> None:
    plan = dev
    member = RETRAINER.format(stack=plan.stack)
    [role] = plan.of_type("gcp:projects/iAMCustomRole:IAMCustomRole")
    assert (
        sorted(role.inputs["permissions"])
        == sorted(PERMISSIONS)
        == [
            "aiplatform.pipelineJobs.create",
            "aiplatform.pipelineJobs.list",
        ]
    )
    project_grants = [g.name for g in plan.of_type(PROJECT_MEMBER) if g.inputs.get("member") == member]
    assert project_grants == [f"acme-ml-{plan.stack}-retrainer-pipeline-jobs"]  # the custom role, nothing else
    acts_as = [g.inputs["serviceAccountId"] for g in plan.of_type(ACCOUNT_MEMBER) if g.inputs["member"] == member]
    assert acts_as == [
        f"projects/acme-ml-{plan.stack}/serviceAccounts/{plan.stack}-pipeline-runner@acme-ml-{plan.stack}.iam.gserviceaccount.com"
    ]
    [invoker] = plan.of_type("gcp:cloudrunv2/serviceIamMember:ServiceIamMember")
    assert (invoker.inputs["name"], invoker.inputs["role"], invoker.inputs["member"]) == (
        function(plan).inputs["name"],
        "roles/run.invoker",
        member,
    )
    assert function(plan).inputs["serviceConfig"]["serviceAccountEmail"] == member.removeprefix("serviceAccount:")


def test_a_stack_that_trains_nothing_has_no_function_and_the_retrainer_holds_nothing(prod: Plan) -> None:
    trains = [s for s in prod.of_type(SCHEDULE) if s.inputs["displayName"].endswith("-continuous-training")]
    assert trains == [] and prod.of_type(FUNCTION) == []
    member = RETRAINER.format(stack="prod")
    assert [
        g.name for g in prod.of_type(PROJECT_MEMBER) + prod.of_type(ACCOUNT_MEMBER) if g.inputs["member"] == member
    ] == []


def test_the_function_reads_its_settings_from_an_object_in_the_bucket_that_never_ages_out(dev: Plan) -> None:
    variables = function(dev).inputs["serviceConfig"]["environmentVariables"]
    assert list(variables) == [SETTINGS_VARIABLE] == [CONFIG]
    [models] = [b for b in dev.of_type("gcp:storage/bucket:Bucket") if b.name.endswith("-models")]
    settings = settings_object(dev)
    assert (settings.inputs["bucket"], settings.inputs["contentType"]) == (models.inputs["name"], "application/json")
    assert all("age" not in rule["condition"] for rule in models.inputs["lifecycleRules"]), "the settings would go"


def test_the_retrainer_reads_that_one_object_and_no_other(dev: Plan) -> None:
    member = RETRAINER.format(stack="dev")
    [grant] = [g for g in dev.of_type(BUCKET_MEMBER) if g.inputs["member"] == member]
    bucket = settings_object(dev).inputs["bucket"]
    assert (grant.inputs["bucket"], grant.inputs["role"]) == (bucket, "roles/storage.objectViewer")
    assert grant.inputs["condition"]["expression"] == (
        f'resource.name == "projects/_/buckets/{bucket}/objects/{SETTINGS_OBJECT}"'
    )


def hundred_models(root: Path) -> Path:
    """dev with churn and 100 more trained models, each churn's manifest and cards under its own name."""
    shutil.copytree(REPO / "stacks/dev", root / "stacks/dev")
    shutil.copytree(REPO / "model_cards/churn", root / "model_cards/churn")
    for i in range(100):
        add_model(root, "dev", f"model-{i:03d}")
    return root


def test_a_hundred_models_plan_and_the_functions_variables_stay_far_under_cloud_runs_32_kib(tmp_path: Path) -> None:
    """https://cloud.google.com/run/docs/configuring/services/overview-environment-variables ("Size limits
    of variables for functions"): names and values of a function's variables total at most 32 KiB."""
    env = load_environment(hundred_models(tmp_path), "dev")
    plan = run_program(lambda: Platform("acme-ml-dev", env), "dev", env.config.project, env.config.region)
    variables = function(plan).inputs["serviceConfig"]["environmentVariables"]
    assert sum(len(k.encode()) + len(str(v).encode()) for k, v in variables.items()) < 1024
    settings = settings_object(plan).inputs["source"]["text"]
    assert len(settings.encode()) > 32 * 1024, "the settings the variable used to hold"
    assert len(Settings.from_json(settings).models) == 101
