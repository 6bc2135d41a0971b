"""Retraining that starts by itself: functions/retrain/ as a Cloud Run function on the stack's alerts topic.

The function submits, for an alert that asks for it, the very run each model's schedule submits:
its settings are built from every schedule's own `create_pipeline_job_request` (template version,
parameters, account, key, labels), so the two cannot drift apart. They outgrow Cloud Run's 32 KiB
of environment variables at about 12 models, so they are an object in the models bucket (the one
bucket whose objects never age out, storage.py RETENTION), and the function's one variable names
its bucket, name and generation; the retrainer may read that object and no other. It runs as the `retrainer`
account, which may only create and list pipeline jobs (a custom role of exactly those two
permissions) and act as the pipeline-runner account the runs use; Eventarc delivers the alerts
as the same account, allowed to invoke this one function's service and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp.cloudfunctionsv2 as functions
import pulumi_gcp.cloudrunv2 as cloudrun
import pulumi_gcp.colab as colab
import pulumi_gcp.projects as projects
import pulumi_gcp.serviceaccount as serviceaccount
import pulumi_gcp.storage as storage

from estaleiro.config.environment import Environment
from estaleiro.naming import function_name, labels, retrainer_role_id
from estaleiro.training import schedule
from estaleiro.training.schedule import FUNCTION_SOURCE, PUBLISHED, SETTINGS_OBJECT, SETTINGS_VARIABLE

ENTRY_POINT = "retrain"
RUNTIME = "python311"
# The two calls the function makes (functions/retrain/main.py): nothing else of Vertex AI.
PERMISSIONS = ("aiplatform.pipelineJobs.create", "aiplatform.pipelineJobs.list")


@dataclass(frozen=True)
class RetrainingInputs:
    """What the function needs from the foundation, monitoring and training."""

    account: serviceaccount.Account  # the retrainer
    runner: serviceaccount.Account  # the account the runs use
    builder: pulumi.Input[str]  # the account Cloud Build builds the function as (its resource name)
    topic: pulumi.Input[str]  # the alerts topic's id, projects/<project>/topics/<name>
    source_bucket: pulumi.Input[str]
    settings_bucket: pulumi.Input[str]  # the models bucket: its objects are never deleted by age
    schedules: Mapping[str, colab.Schedule]


def pipeline_job(request: Any) -> dict[str, Any]:
    """A schedule's PipelineJob, read back from its request, as aiplatform_v1's JSON."""
    job = request.pipeline_job
    runtime = job.runtime_config
    return schedule.pipeline_job(
        display_name=job.display_name,
        template_uri=job.template_uri,
        service_account=job.service_account,
        labels=job.labels or {},
        kms_key_name=job.encryption_spec.kms_key_name if job.encryption_spec is not None else None,
        output_directory=runtime.gcs_output_directory,
        parameter_values=runtime.parameter_values or {},
    )


def retrain_config(env: Environment, schedules: Mapping[str, colab.Schedule]) -> pulumi.Output[str]:
    """The function's settings, from every schedule's own request: the two cannot drift apart."""
    names = sorted(schedules)
    jobs: Sequence[pulumi.Output[dict[str, Any]]] = [
        schedules[name].create_pipeline_job_request.apply(pipeline_job) for name in names
    ]
    return pulumi.Output.all(*jobs).apply(
        lambda found: schedule.retrain_config(env, dict(zip(names, found, strict=True)))
    )


class Retraining(pulumi.ComponentResource):
    function: functions.Function

    def __init__(
        self, name: str, env: Environment, inputs: RetrainingInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("estaleiro:training:Retraining", name, None, opts)
        config = env.config
        child = pulumi.ResourceOptions(parent=self)
        role_id = retrainer_role_id(env.name)
        role = projects.IAMCustomRole(
            f"{name}-retrainer-role",
            project=config.project,
            role_id=role_id,
            title=f"{env.name} retrainer (managed by Estaleiro)",
            permissions=list(PERMISSIONS),
            opts=child,
        )
        granted = projects.IAMMember(
            f"{name}-retrainer-pipeline-jobs",
            project=config.project,
            role=f"projects/{config.project}/roles/{role_id}",  # known at plan time, so checkov judges it
            member=inputs.account.member,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role]),
        )
        acts_as = serviceaccount.IAMMember(
            f"{name}-retrainer-acts-as-pipeline-runner",
            service_account_id=inputs.runner.name,
            role="roles/iam.serviceAccountUser",
            member=inputs.account.member,
            opts=child,
        )
        source = storage.BucketObject(
            f"{name}-retrain-source",
            bucket=inputs.source_bucket,
            name="functions/retrain.zip",
            source=pulumi.FileArchive(FUNCTION_SOURCE),
            opts=child,
        )
        settings = storage.BucketObject(
            f"{name}-retrain-settings",
            bucket=inputs.settings_bucket,
            name=SETTINGS_OBJECT,
            source=retrain_config(env, inputs.schedules).apply(pulumi.StringAsset),  # `content` would be secret
            content_type="application/json",
            opts=child,
        )
        # Uniform bucket-level access allows IAM only on the bucket; a condition on the object's resource
        # name, projects/_/buckets/<bucket>/objects/<object>, narrows the grant to this object
        # (https://cloud.google.com/iam/docs/conditions-attribute-reference, "Resource name").
        reads_settings = storage.BucketIAMMember(
            f"{name}-retrainer-reads-settings",
            bucket=inputs.settings_bucket,
            role="roles/storage.objectViewer",
            member=inputs.account.member,
            condition=storage.BucketIAMMemberConditionArgs(
                title="retraining settings only",
                expression=pulumi.Output.concat(
                    'resource.name == "projects/_/buckets/', inputs.settings_bucket, f'/objects/{SETTINGS_OBJECT}"'
                ),
            ),
            opts=child,
        )
        self.function = functions.Function(
            f"{name}-retrain",
            name=function_name(config, env.name),
            project=config.project,
            location=config.region,
            description="Starts a model's continuous-training run when an alert asks for it (functions/retrain)",
            labels=labels(config, env.name, purpose="retraining"),
            build_config=functions.FunctionBuildConfigArgs(
                runtime=RUNTIME,
                entry_point=ENTRY_POINT,
                service_account=inputs.builder,
                source=functions.FunctionBuildConfigSourceArgs(
                    storage_source=functions.FunctionBuildConfigSourceStorageSourceArgs(
                        bucket=source.bucket, object=source.output_name, generation=source.generation
                    )
                ),
            ),
            service_config=functions.FunctionServiceConfigArgs(
                service_account_email=inputs.account.email,
                environment_variables={
                    SETTINGS_VARIABLE: pulumi.Output.concat(
                        "gs://", settings.bucket, f"/{SETTINGS_OBJECT}#", settings.generation.apply(str)
                    )
                },
                ingress_settings="ALLOW_INTERNAL_ONLY",
                max_instance_count=1,
                timeout_seconds=60,
            ),
            event_trigger=functions.FunctionEventTriggerArgs(
                trigger_region=config.region,
                event_type=PUBLISHED,
                pubsub_topic=inputs.topic,
                retry_policy="RETRY_POLICY_RETRY",  # API errors are retried; bad messages are acknowledged
                service_account_email=inputs.account.email,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[granted, acts_as, reads_settings]),
        )
        cloudrun.ServiceIamMember(
            f"{name}-retrain-invoker",
            project=config.project,
            location=config.region,
            name=self.function.name,
            role="roles/run.invoker",
            member=inputs.account.member,
            opts=pulumi.ResourceOptions(parent=self.function),
        )
        self.register_outputs({"function": self.function.name, "uri": self.function.url})
