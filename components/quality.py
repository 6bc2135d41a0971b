"""Served quality in the cloud: the model-quality template published, and a schedule per measured model.

For every model whose manifest has `monitoring.quality`: the compiled model-quality pipeline is
published to the stack's KFP repository (one template for the stack's models, a content digest
per version) and a Vertex AI schedule runs that version on the quality block's cron, as the
pipeline-runner account, with the model's values as run parameters: the rule, the request-log and
ground-truth tables, and the deployed model ids of its versions (which Vertex assigns at deploy
time, so the parameter follows the endpoint's deployment). The runner gets what the steps need
beyond the foundation's grants (which already let it write metric points, roles/monitoring.metricWriter):
running BigQuery query jobs in the project, and reading an external ground-truth table's dataset;
the request log's and the stack's ground truth's datasets grant it read access themselves
(components/platform.py names it a reader).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_gcp.bigquery as bigquery
import pulumi_gcp.colab as colab
import pulumi_gcp.projects as projects

from components.monitoring.ground_truth import ground_truth_dataset, ground_truth_table
from components.monitoring.request_log import request_table
from components.providers.pipeline_template import PipelineTemplate, PipelineTemplateArgs
from components.training import TAG, TrainingInputs, dataset_of, pipeline_schedule, trained_datasets
from estaleiro.config.environment import Environment, Model
from estaleiro.config.pipelines import QUALITY_PIPELINE
from estaleiro.quality.parameters import run_parameters as parameters


@dataclass(frozen=True)
class QualityInputs:
    """What measuring needs: the pipeline foundation, and each model's version -> deployed model id."""

    pipelines: TrainingInputs
    deployed: Mapping[str, pulumi.Input[Mapping[str, str]]]  # model -> EndpointDeployment.deployed_model_ids


def measured_models(env: Environment) -> list[Model]:
    return [m for m in env.models if m.manifest.monitoring.quality is not None]


class ModelQuality(pulumi.ComponentResource):
    template: PipelineTemplate
    schedules: dict[str, colab.Schedule]

    def __init__(
        self, name: str, env: Environment, inputs: QualityInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("estaleiro:quality:ModelQuality", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        runner = inputs.pipelines.runner_member
        compiled = env.pipelines[QUALITY_PIPELINE]
        self.template = PipelineTemplate(
            f"{name}-{QUALITY_PIPELINE}",
            PipelineTemplateArgs(
                host=inputs.pipelines.pipeline_repository, package=compiled.package, template=compiled.text, tags=[TAG]
            ),
            opts=child,
        )
        config = env.config
        grants: list[pulumi.Resource] = [
            projects.IAMMember(
                f"{name}-quality-bigquery-jobUser",
                project=config.project,
                role="roles/bigquery.jobUser",  # the query runs as a job billed to the stack's project
                member=runner,
                opts=child,
            )
        ]
        models = measured_models(env)
        # The training component and the stack's ground truth grant these already: one binding, one owner.
        read = trained_datasets(env) | {ground_truth_dataset(env)}
        truth = sorted({dataset_of(ground_truth_table(env, m)) for m in models} - read)
        grants += [
            bigquery.DatasetIamMember(
                f"{name}-ground-truth-{project}-{dataset}",
                project=project,
                dataset_id=dataset,
                role="roles/bigquery.dataViewer",
                member=runner,
                opts=child,
            )
            for project, dataset in truth
        ]
        self.schedules = {
            model.name: pipeline_schedule(
                f"{name}-{model.name}-{QUALITY_PIPELINE}",
                env,
                model,
                QUALITY_PIPELINE,
                model.manifest.monitoring.quality.schedule,  # type: ignore[union-attr]
                self.template.template_uri,
                run_parameters(env, model, inputs.deployed[model.name]),
                inputs.pipelines,
                pulumi.ResourceOptions(parent=self, depends_on=grants),
            )
            for model in models
        }
        self.register_outputs(
            {"template": self.template.template_uri, "schedules": {m: s.name for m, s in self.schedules.items()}}
        )


def run_parameters(
    env: Environment, model: Model, deployed: pulumi.Input[Mapping[str, str]]
) -> Mapping[str, pulumi.Input[str]]:
    """A scheduled run's values: the stack's tables, and the endpoint's deployed model id -> version."""
    versions = pulumi.Output.from_input(deployed).apply(versions_parameter)
    return parameters(env, model, request_table(env, model), ground_truth_table(env, model), versions)


def versions_parameter(deployed: Mapping[str, str]) -> str:
    """EndpointDeployment's version -> deployed model id, turned into the pipeline's id -> version."""
    return json.dumps({deployed_id: version for version, deployed_id in sorted(deployed.items())}, sort_keys=True)
