"""Continuous training in the cloud: the pipeline template published, and a schedule per model.

For every model whose manifest has a `training` block: its compiled pipeline is published to
the stack's KFP repository (content-addressed versions; one template per pipeline, shared by
the stack's models) and a Vertex AI schedule runs that template's *version* with the model's
values as run parameters, as the pipeline-runner account, writing under the pipeline-root
bucket, encrypted with the stack's Vertex key. The runner gets what the steps read beyond the
foundation's grants: the training table's dataset, and the GitHub token the propose step pushes
its branch and opens its pull request with (estaleiro/training/propose.py), where the stack trains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_gcp.bigquery as bigquery
import pulumi_gcp.colab as colab
import pulumi_gcp.secretmanager as secretmanager

from components.providers.pipeline_template import PipelineTemplate, PipelineTemplateArgs
from estaleiro.config.environment import Environment, Model
from estaleiro.naming import job_display_name, schedule_display_name
from estaleiro.training.schedule import job_labels, scheduled_run

TAG = "latest"  # a mutable pointer for people browsing the registry; schedules name versions


@dataclass(frozen=True)
class TrainingInputs:
    """What training needs from the foundation."""

    pipeline_repository: pulumi.Input[str]  # https://<region>-kfp.pkg.dev/<project>/<repository>
    pipeline_root: pulumi.Input[str]  # gs://<bucket>
    runner: pulumi.Input[str]  # the pipeline-runner account's e-mail
    runner_member: pulumi.Input[str]
    kms_key: pulumi.Input[str]
    github_token: pulumi.Input[str]  # the secret id of the token training pushes with


class ContinuousTraining(pulumi.ComponentResource):
    templates: dict[str, PipelineTemplate]
    schedules: dict[str, colab.Schedule]

    def __init__(
        self, name: str, env: Environment, inputs: TrainingInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("estaleiro:training:ContinuousTraining", name, None, opts)
        trained = [m for m in env.models if m.manifest.training is not None]
        used = {m.manifest.training.pipeline for m in trained if m.manifest.training}
        self.templates = {
            pipeline: PipelineTemplate(
                f"{name}-{pipeline}",
                PipelineTemplateArgs(
                    host=inputs.pipeline_repository,
                    package=env.pipelines[pipeline].package,
                    template=env.pipelines[pipeline].text,
                    tags=[TAG],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for pipeline in sorted(used)
        }
        self.schedules = {model.name: self._schedule(name, env, model, inputs) for model in trained}
        if trained:
            secretmanager.SecretIamMember(
                f"{name}-pipeline-runner-reads-github-token",
                project=env.config.project,
                secret_id=inputs.github_token,
                role="roles/secretmanager.secretAccessor",
                member=inputs.runner_member,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs(
            {
                "templates": {p: t.template_uri for p, t in self.templates.items()},
                "schedules": {m: s.name for m, s in self.schedules.items()},
            }
        )

    def _schedule(self, name: str, env: Environment, model: Model, inputs: TrainingInputs) -> colab.Schedule:
        training = model.manifest.training
        assert training is not None
        dataset = dataset_of(training.data.table)
        grant = bigquery.DatasetIamMember(
            f"{name}-{model.name}-training-data",
            project=dataset[0],
            dataset_id=dataset[1],
            role="roles/bigquery.dataViewer",
            member=inputs.runner_member,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return pipeline_schedule(
            f"{name}-{model.name}",
            env,
            model,
            training.pipeline,
            training.schedule,
            self.templates[training.pipeline].template_uri,
            scheduled_run(env, model).parameter_values,
            inputs,
            pulumi.ResourceOptions(parent=self, depends_on=[grant]),
        )


def pipeline_schedule(
    resource_name: str,
    env: Environment,
    model: Model,
    pipeline: str,
    cron: str,
    template_uri: pulumi.Input[str],
    values: pulumi.Input[Mapping[str, pulumi.Input[str]]],
    inputs: TrainingInputs,
    opts: pulumi.ResourceOptions,
) -> colab.Schedule:
    """A Vertex schedule running a published template's version for one model, as the pipeline runner."""
    config = env.config
    return colab.Schedule(
        resource_name,
        display_name=schedule_display_name(config, env.name, model.name, pipeline),
        project=config.project,
        location=config.region,
        cron=cron,
        max_concurrent_run_count="1",
        allow_queueing=False,
        create_pipeline_job_request=colab.ScheduleCreatePipelineJobRequestArgs(
            parent=f"projects/{config.project}/locations/{config.region}",
            pipeline_job=colab.ScheduleCreatePipelineJobRequestPipelineJobArgs(
                display_name=job_display_name(model.name, pipeline),
                template_uri=template_uri,
                service_account=inputs.runner,
                labels=dict(job_labels(env, model.name, pipeline)),
                encryption_spec=colab.ScheduleCreatePipelineJobRequestPipelineJobEncryptionSpecArgs(
                    kms_key_name=inputs.kms_key
                ),
                runtime_config=colab.ScheduleCreatePipelineJobRequestPipelineJobRuntimeConfigArgs(
                    gcs_output_directory=pulumi.Output.concat(inputs.pipeline_root, "/", model.name),
                    parameter_values=values,
                ),
            ),
        ),
        opts=opts,
    )


def trained_datasets(env: Environment) -> set[tuple[str, str]]:
    """The (project, dataset) pairs whose tables training reads: the runner may read them already."""
    return {dataset_of(m.manifest.training.data.table) for m in env.models if m.manifest.training is not None}


def dataset_of(table: str) -> tuple[str, str]:
    project, dataset, _ = table.removeprefix("bq://").split(".", 2)
    return project, dataset
