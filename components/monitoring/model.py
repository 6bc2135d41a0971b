"""Everything that watches one served model: drift monitors per served version, alert policies, a dashboard.

Drift needs the manifest's `monitoring.features`; without them the model is still watched for
errors, latency, saturation and silence. Served quality needs `monitoring.quality`: with it, an
accuracy-decline policy and the dashboard's quality row. Only versions taking traffic are monitored, so a
monitor appears with a version's first traffic and goes when the version is retired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp.monitoring as monitoring

from components.monitoring.alerts import (
    AlertContext,
    ServingThresholds,
    declare,
    drift_signals,
    quality_rule,
    rules,
    serving_signals,
)
from components.monitoring.dashboard import QualityView, Watched, dashboard_json, dashboard_url
from components.monitoring.ground_truth import ground_truth_table
from components.monitoring.metrics import serving_metrics
from components.providers.model_monitor import ModelMonitors, ModelMonitorsArgs, MonitoredVersion
from estaleiro.config.environment import Environment, Model
from estaleiro.naming import global_name, labels


@dataclass(frozen=True)
class RegisteredVersion:
    """A version as the Model Registry names it."""

    model: pulumi.Input[str]
    version_id: pulumi.Input[str]


@dataclass(frozen=True)
class WatchInputs:
    """What watching a model needs from serving and from the stack's monitoring."""

    endpoint_id: str
    endpoint_name: str
    versions: Mapping[str, RegisteredVersion]
    channels: pulumi.Input[Sequence[str]]
    monitor_output: pulumi.Input[str]
    kms_key: pulumi.Input[str]
    deployment: pulumi.Resource  # monitors read a deployed model's request log: they wait for the deployment
    quality_metrics: Sequence[pulumi.Resource] = ()  # the descriptors the decline policy reads, when declared


class WatchedModel(pulumi.ComponentResource):
    monitors: ModelMonitors | None
    dashboard: monitoring.Dashboard
    policies: dict[str, monitoring.AlertPolicy]

    def __init__(
        self,
        name: str,
        env: Environment,
        model: Model,
        inputs: WatchInputs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:monitoring:WatchedModel", name, None, opts)
        config, manifest = env.config, model.manifest
        watch = manifest.monitoring
        served = [v for v, percent in manifest.traffic.items() if percent > 0]
        self.monitors = None
        if watch.features and served:
            self.monitors = ModelMonitors(
                f"{name}-monitors",
                ModelMonitorsArgs(
                    project=config.project,
                    region=config.region,
                    prefix=global_name(config, env.name, model.name),
                    endpoint=inputs.endpoint_name,
                    features=dict(watch.features),
                    thresholds=watch.drift_thresholds,
                    categorical_metric=watch.drift.categorical_metric,
                    cron=watch.schedule,
                    output_uri=inputs.monitor_output,
                    encryption_key=inputs.kms_key,
                    versions=[
                        MonitoredVersion(
                            version=version,
                            model=inputs.versions[version].model,
                            version_id=inputs.versions[version].version_id,
                            training_table=model.cards[version].card.model_parameters.training_data.link,
                        )
                        for version in served
                    ],
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[inputs.deployment]),
            )
        schedule_ids = self.monitors.schedule_ids.apply(lambda ids: sorted(ids.values())) if self.monitors else None
        user_labels = labels(config, env.name, model=model.name)
        dashboard_id = global_name(config, env.name, model.name)
        context = AlertContext(
            model=model.name,
            stack=env.name,
            team=config.team,
            project=config.project,
            user_labels=user_labels,
            channels=inputs.channels,
            dashboard_url=dashboard_url(config.project, dashboard_id),
            endpoint_id=inputs.endpoint_id,
            serving=serving_metrics(config.serving.private_network is not None),
        )
        alerts = watch.alerts
        thresholds = ServingThresholds(
            error_ratio=float(alerts.error_ratio),
            p99_latency_ms=alerts.p99_latency_ms,
            saturated_replicas=float(alerts.saturation) * manifest.serving.max_replicas,
            max_replicas=manifest.serving.max_replicas,
        )
        drift = drift_signals(watch.drift_thresholds, schedule_ids, len(served)) if schedule_ids is not None else []
        self.policies = declare(name, context, rules(serving_signals(context, thresholds), drift), self)
        if watch.quality is not None:
            quality = quality_rule(context, watch.quality, ground_truth_table(env, model))
            self.policies |= declare(name, context, [quality], self, depends_on=inputs.quality_metrics)
        # The incident list names the policies, known once they exist: the JSON waits for their names.
        policy_names = [policy.name for policy in self.policies.values()]
        self.dashboard = monitoring.Dashboard(
            f"{name}-dashboard",
            project=config.project,
            dashboard_json=pulumi.Output.all(pulumi.Output.from_input(schedule_ids or []), *policy_names).apply(
                lambda values: dashboard_json(
                    dashboard_id,
                    f"{env.name} / {model.name}: {manifest.display_name}",
                    Watched(inputs.endpoint_id, config.project, context.serving, values[1:]),
                    values[0],
                    watch.drift_thresholds,
                    QualityView(model.name, env.name, watch.quality) if watch.quality else None,
                    # Estaleiro's own labels: the stack's free ones would rewrite the whole JSON on every change.
                    {key: user_labels[key] for key in ("model", "env", "team", "managed-by")},
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "dashboard": self.dashboard.id,
                "alertPolicies": {role: policy.name for role, policy in self.policies.items()},
                "monitors": self.monitors.monitors if self.monitors else {},
            }
        )
