"""What a model's schedule submits, and the retraining function's settings built from it.

One builder for three readers: the schedule Pulumi declares (components/training.py), the function's
config (components/retraining.py, from each schedule's own request) and a retraining on this machine
(`estaleiro retrain --local`, where the foundation's places are the names the stack derives rather
than Pulumi outputs). So a run an alert starts, here or in the cloud, is the run the schedule starts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from estaleiro.config.environment import Environment, Model
from estaleiro.config.pipelines import CompiledPipeline
from estaleiro.naming import (
    account_id,
    bucket_name,
    job_display_name,
    key_ring_name,
    models_bucket,
    pipeline_job_labels,
    pipeline_registry,
)
from estaleiro.training.spec import spec_for

FUNCTION_SOURCE = "functions/retrain"  # the retraining function, relative to the repository (the Pulumi project)
PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"  # the CloudEvent type it is delivered as
# The function's settings: an object Pulumi writes, named (with its generation) by the function's one variable.
SETTINGS_OBJECT = "functions/retrain-config.json"
SETTINGS_VARIABLE = "RETRAIN_CONFIG_OBJECT"  # functions/retrain/main.py CONFIG (a test holds them equal)


@dataclass(frozen=True)
class ScheduledRun:
    """What a schedule's PipelineJob takes from the manifests (the rest are the foundation's places)."""

    pipeline: CompiledPipeline
    display_name: str
    labels: Mapping[str, str]
    parameter_values: Mapping[str, str]


def job_labels(env: Environment, model: str, pipeline: str) -> Mapping[str, str]:
    """The labels of those runs: what the retraining function's rate limit filters on."""
    return pipeline_job_labels(env.config, env.name, model, pipeline)


def scheduled_run(env: Environment, model: Model) -> ScheduledRun:
    training = model.manifest.training
    assert training is not None  # the caller takes trained models only
    pipeline = env.pipelines[training.pipeline]
    return ScheduledRun(
        pipeline=pipeline,
        display_name=job_display_name(model.name, training.pipeline),
        labels=job_labels(env, model.name, training.pipeline),
        parameter_values=run_parameters(env, model, pipeline),
    )


def run_parameters(env: Environment, model: Model, pipeline: CompiledPipeline) -> Mapping[str, str]:
    """The values a scheduled run gets: the manifest's, as the template declares them."""
    training = model.manifest.training
    image = pipeline.model_image
    assert training is not None and image is not None  # both checked where the environment loads
    spec = spec_for(env, model, image.target("serve"))
    champion = spec.champion
    baseline = model.cards[champion.version].card.model_parameters.training_data.link if champion else ""
    values = {
        "spec": spec.parameter(),
        "data_uri": training.data.table,
        "baseline_uri": baseline,
        "models_bucket": f"gs://{models_bucket(env.config, env.name)}",
        "repository": f"github:{env.config.ci_repository}",
        "bucket_mirror": "",
    }
    return {key: value for key, value in values.items() if key in pipeline.parameters}


def pipeline_job(
    *,
    display_name: str,
    template_uri: str,
    service_account: str,
    labels: Mapping[str, str],
    kms_key_name: str | None,
    output_directory: str,
    parameter_values: Mapping[str, str],
) -> dict[str, Any]:
    """A schedule's PipelineJob as aiplatform_v1's JSON (what `PipelineJob.from_json` reads)."""
    document: dict[str, Any] = {
        "displayName": display_name,
        "templateUri": template_uri,
        "serviceAccount": service_account,
        "labels": dict(labels),
        "runtimeConfig": {"gcsOutputDirectory": output_directory, "parameterValues": dict(parameter_values)},
    }
    if kms_key_name is not None:
        document["encryptionSpec"] = {"kmsKeyName": kms_key_name}
    return document


def retrain_config(env: Environment, jobs: Mapping[str, Mapping[str, Any]]) -> str:
    """The function's settings: the location, the stack, and per trained model its schedule's run and rate limit."""
    every = {m.name: m.manifest.monitoring.retrain_every_hours for m in env.models}
    models = {name: {"retrainEveryHours": every[name], "pipelineJob": job} for name, job in sorted(jobs.items())}
    parent = f"projects/{env.config.project}/locations/{env.config.region}"
    return json.dumps({"parent": parent, "stack": env.name, "models": models}, sort_keys=True)


def derived_retrain_config(env: Environment) -> str:
    """The settings with the foundation's places as the stack names them, for a retraining on this machine."""
    config = env.config
    jobs = {}
    for model in (m for m in env.models if m.manifest.training is not None):
        run = scheduled_run(env, model)
        jobs[model.name] = pipeline_job(
            display_name=run.display_name,
            template_uri=f"https://{pipeline_registry(config, env.name)}/{run.pipeline.package}/{run.pipeline.digest}",
            service_account=f"{account_id(env.name, 'pipeline-runner')}@{config.project}.iam.gserviceaccount.com",
            labels=run.labels,
            kms_key_name=f"projects/{config.project}/locations/{config.region}/keyRings/"
            f"{key_ring_name(env.name)}/cryptoKeys/vertex",
            output_directory=f"gs://{bucket_name(config, env.name, 'pipeline-root')}/{model.name}",
            parameter_values=run.parameter_values,
        )
    return retrain_config(env, jobs)
