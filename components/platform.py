"""One environment's whole platform: the foundation, the stack's monitoring, then every model the manifests serve."""

from __future__ import annotations

import pulumi
import pulumi_gcp.monitoring as monitoring

from components.ci_triggers import CiTriggers
from components.foundation import Foundation
from components.monitoring.channels import ChannelInputs, NotificationChannels
from components.monitoring.datasets import DatasetInputs
from components.monitoring.ground_truth import GroundTruth, declared_models
from components.monitoring.model import RegisteredVersion, WatchedModel, WatchInputs
from components.monitoring.quality_metric import quality_descriptors
from components.monitoring.request_log import RequestLog
from components.protection import protection
from components.quality import ModelQuality, QualityInputs, measured_models
from components.retraining import Retraining, RetrainingInputs
from components.serving import ServedModel, ServingInputs, endpoint_id
from components.training import ContinuousTraining, TrainingInputs
from estaleiro.config.environment import Environment
from estaleiro.naming import serving_name


class Platform(pulumi.ComponentResource):
    foundation: Foundation
    request_log: RequestLog
    ground_truth: GroundTruth | None
    channels: NotificationChannels
    quality_metrics: list[monitoring.MetricDescriptor]
    models: dict[str, ServedModel]
    watched: dict[str, WatchedModel]
    training: ContinuousTraining
    quality: ModelQuality | None
    retraining: Retraining | None
    ci: CiTriggers

    def __init__(self, name: str, env: Environment, opts: pulumi.ResourceOptions | None = None) -> None:
        protected = pulumi.ResourceOptions(transformations=protection(env))
        super().__init__("estaleiro:platform:Platform", name, None, pulumi.ResourceOptions.merge(opts, protected))
        child = pulumi.ResourceOptions(parent=self)
        self.foundation = foundation = Foundation(name, env, child)
        keys, accounts = foundation.keys, foundation.accounts
        runner = {"pipeline-runner": accounts.pipeline_runner.member}  # the model-quality pipeline reads
        self.request_log = RequestLog(
            name,
            env,
            DatasetInputs(
                kms_key=keys.bigquery.id,
                readers={"monitoring": accounts.monitoring.member, **(runner if measured_models(env) else {})},
                depends_on=[keys.grants["bigquery"]],
            ),
            child,
        )
        self.ground_truth = (
            GroundTruth(name, env, DatasetInputs(keys.bigquery.id, runner, depends_on=[keys.grants["bigquery"]]), child)
            if declared_models(env)
            else None
        )
        self.channels = NotificationChannels(
            name, env, ChannelInputs(kms_key=keys.pubsub.id, depends_on=[keys.grants["pubsub"]]), child
        )
        self.quality_metrics = quality_descriptors(name, env, child)
        serving = ServingInputs(
            kms_key=keys.vertex.id,
            service_account=accounts.model_serving.email,
            depends_on=[keys.grants["vertex"], self.request_log.dataset],
        )
        self.models = {m.name: ServedModel(f"{name}-{m.name}", env, m, serving, child) for m in env.models}
        monitor_output = foundation.buckets.pipeline_root.url.apply(lambda url: f"{url}/model-monitoring")
        self.watched = {
            m.name: WatchedModel(
                f"{name}-{m.name}",
                env,
                m,
                WatchInputs(
                    endpoint_id=(endpoint := endpoint_id(serving_name(env.config, env.name, m.name))),
                    endpoint_name=f"projects/{env.config.project}/locations/{env.config.region}/endpoints/{endpoint}",
                    versions={
                        v: RegisteredVersion(model=r.model_name, version_id=r.version_id)
                        for v, r in served.versions.items()
                    },
                    channels=self.channels.for_model(
                        m.manifest.monitoring.notification_emails, env.config.notification_emails
                    ),
                    monitor_output=monitor_output,
                    kms_key=keys.vertex.id,
                    deployment=served.deployment,
                    quality_metrics=self.quality_metrics,
                ),
                child,
            )
            for m, served in ((m, self.models[m.name]) for m in env.models)
        }
        pipelines = TrainingInputs(
            pipeline_repository=foundation.repositories.pipelines.registry_uri,
            pipeline_root=foundation.buckets.pipeline_root.url,
            runner=accounts.pipeline_runner.email,
            runner_member=accounts.pipeline_runner.member,
            kms_key=keys.vertex.id,
            github_token=foundation.secrets.github_token.secret_id,
        )
        after_key = pulumi.ResourceOptions(parent=self, depends_on=[keys.grants["vertex"]])
        self.training = ContinuousTraining(name, env, pipelines, after_key)
        self.quality = (
            ModelQuality(
                name,
                env,
                QualityInputs(
                    pipelines, {m: served.deployment.deployed_model_ids for m, served in self.models.items()}
                ),
                pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[
                        keys.grants["vertex"],
                        self.request_log.dataset,
                        *(self.ground_truth.tables.values() if self.ground_truth else ()),
                    ],
                ),
            )
            if measured_models(env)
            else None
        )
        self.retraining = (
            Retraining(
                name,
                env,
                RetrainingInputs(
                    account=accounts.retrainer,
                    runner=accounts.pipeline_runner,
                    builder=accounts.ci_deployer.name,
                    topic=self.channels.topic.id,
                    source_bucket=foundation.buckets.pipeline_root.name,
                    settings_bucket=foundation.buckets.models.name,
                    schedules=self.training.schedules,
                ),
                child,
            )
            if self.training.schedules
            else None
        )
        self.ci = CiTriggers(
            name,
            env,
            accounts.pr_builder,
            accounts.ci_deployer,
            accounts.image_builder,
            foundation.buckets.build_logs,
            child,
        )
        self.outputs: dict[str, pulumi.Input[object]] = {
            **foundation.outputs,
            "endpoints": {model: served.endpoint.id for model, served in self.models.items()},
            "requestLog": self.request_log.dataset.dataset_id,
            **({"groundTruth": self.ground_truth.dataset.dataset_id} if self.ground_truth else {}),
            "alertsTopic": self.channels.topic.id,
            "dashboards": {model: watched.dashboard.id for model, watched in self.watched.items()},
        }
        self.register_outputs(self.outputs)
