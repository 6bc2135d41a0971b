"""One environment's whole platform: the foundation, then every model the manifests serve."""

from __future__ import annotations

import pulumi

from components.ci_triggers import CiTriggers
from components.foundation import Foundation
from components.serving import ServedModel, ServingInputs
from components.training import ContinuousTraining, TrainingInputs
from estaleiro.config.environment import Environment


class Platform(pulumi.ComponentResource):
    foundation: Foundation
    models: dict[str, ServedModel]
    training: ContinuousTraining
    ci: CiTriggers

    def __init__(self, name: str, env: Environment, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estaleiro:platform:Platform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.foundation = foundation = Foundation(name, env, child)
        serving = ServingInputs(
            kms_key=foundation.keys.vertex.id,
            service_account=foundation.accounts.model_serving.email,
            depends_on=[foundation.keys.grants["vertex"]],
        )
        self.models = {m.name: ServedModel(f"{name}-{m.name}", env, m, serving, child) for m in env.models}
        self.training = ContinuousTraining(
            name,
            env,
            TrainingInputs(
                pipeline_repository=foundation.repositories.pipelines.registry_uri,
                pipeline_root=foundation.buckets.pipeline_root.url,
                runner=foundation.accounts.pipeline_runner.email,
                runner_member=foundation.accounts.pipeline_runner.member,
                kms_key=foundation.keys.vertex.id,
            ),
            pulumi.ResourceOptions(parent=self, depends_on=[foundation.keys.grants["vertex"]]),
        )
        self.ci = CiTriggers(name, env, foundation.accounts.ci_deployer, child)
        self.outputs: dict[str, pulumi.Input[object]] = {
            **foundation.outputs,
            "endpoints": {model: served.endpoint.id for model, served in self.models.items()},
        }
        self.register_outputs(self.outputs)
