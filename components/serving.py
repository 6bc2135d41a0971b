"""Serving one model: a Vertex endpoint, its registered versions, and the traffic split the manifest asks for.

pulumi-gcp has the endpoint; the Model Registry upload and the zero-downtime deployment are
dynamic providers (`components/providers/`). The endpoint's id is a stable hash of
`prefix-env-model` (its display name): the same on every run, never random. Private serving
goes through Private Service Connect (several versions, canaries) or, where a stack still
peers its VPC, private services access (one version per endpoint).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp.vertex as vertex

from components.monitoring.request_log import logging_config
from components.providers.endpoint_deployment import DeployedVersion, EndpointDeployment, EndpointDeploymentArgs
from components.providers.model_version import ModelVersion, ModelVersionArgs
from estaleiro.config.environment import Environment, Model
from estaleiro.config.stack import Serving
from estaleiro.naming import model_labels, serving_name, version_labels


@dataclass(frozen=True)
class ServingInputs:
    """What serving needs from the foundation."""

    kms_key: pulumi.Input[str]
    service_account: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


def endpoint_id(display_name: str) -> str:
    """Nine digits, no leading zero: a stable hash of the display name.

    Vertex's CreateEndpoint takes a numeric id of at most 9 digits (or a letter-first one) and
    pulumi-gcp's `AiEndpoint.name` only a numeric one of at most 10: 9 digits satisfy both.
    """
    digest = int(hashlib.sha256(display_name.encode()).hexdigest(), 16)
    return str(10**8 + digest % (9 * 10**8))


# Vertex AI User holds aiplatform.endpoints.predict (https://cloud.google.com/vertex-ai/docs/general/access-control);
# bound on the endpoint's own IAM policy (https://cloud.google.com/vertex-ai/docs/general/endpoint-access-control)
# it gives only what an endpoint's policy can: that endpoint. pulumi-gcp's endpoint IAM takes the endpoint's
# id, `projects/P/locations/L/endpoints/N` (magic-modules mmv1/products/vertexai/Endpoint.yaml, iam_policy).
CALLER_ROLE = "roles/aiplatform.user"


def private_service_connect(serving: Serving) -> vertex.AiEndpointPrivateServiceConnectConfigArgs | None:
    """Secure Private Service Connect: without it a request through the forwarding rule is served
    "without authorization" (aiplatform v1beta1 service_networking.proto, PrivateServiceConnectConfig
    .enable_secure_private_service_connect). The field is v1beta1 only; pulumi-gcp is built from the
    google-beta provider, whose Vertex AI base URL is v1beta1 (magic-modules
    mmv1/products/vertexai/product.yaml), so it is sent."""
    psc = serving.private_service_connect
    if psc is None:
        return None
    return vertex.AiEndpointPrivateServiceConnectConfigArgs(
        enable_private_service_connect=True,
        enable_secure_private_service_connect=True,
        project_allowlists=list(psc.project_allowlist),
    )


class ServedModel(pulumi.ComponentResource):
    endpoint: vertex.AiEndpoint
    versions: dict[str, ModelVersion]
    deployment: EndpointDeployment

    def __init__(
        self,
        name: str,
        env: Environment,
        model: Model,
        inputs: ServingInputs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:serving:ServedModel", name, None, opts)
        config, manifest = env.config, model.manifest
        child = pulumi.ResourceOptions(parent=self, depends_on=list(inputs.depends_on))
        display = serving_name(config, env.name, model.name)

        self.endpoint = vertex.AiEndpoint(
            f"{name}-endpoint",
            name=endpoint_id(display),
            display_name=display,
            description=manifest.display_name,
            project=config.project,
            location=config.region,
            region=config.region,
            labels=model_labels(config, env.name, model.name),
            encryption_spec=vertex.AiEndpointEncryptionSpecArgs(kms_key_name=inputs.kms_key),
            network=config.serving.private_network,
            private_service_connect_config=private_service_connect(config.serving),
            predict_request_response_logging_config=(
                logging_config(env, model) if manifest.monitoring.request_logging else None
            ),
            opts=child,
        )
        psc = config.serving.private_service_connect
        for caller in psc.callers if psc else ():
            vertex.AiEndpointIamMember(
                f"{name}-caller-{caller.split(':', 1)[1].split('@')[0]}",
                project=config.project,
                location=config.region,
                endpoint=self.endpoint.id,
                role=CALLER_ROLE,
                member=caller,
                opts=pulumi.ResourceOptions(parent=self.endpoint),
            )
        self.versions = {
            version: ModelVersion(
                f"{name}-{version}",
                ModelVersionArgs(
                    project=config.project,
                    region=config.region,
                    model_id=display,
                    display_name=manifest.display_name,
                    version=version,
                    artifact_uri=spec.artifact_uri,
                    serving_image=spec.image,
                    labels=version_labels(config, env.name, model.name, version, model.cards[version].git_blob),
                    description=manifest.description,
                    encryption_key=inputs.kms_key,
                ),
                opts=child,
            )
            for version, spec in manifest.versions.items()
        }
        serving = manifest.serving
        self.deployment = EndpointDeployment(
            f"{name}-deployment",
            EndpointDeploymentArgs(
                project=config.project,
                region=config.region,
                endpoint=self.endpoint.id,
                versions=[
                    DeployedVersion(
                        version=version,
                        model=registered.versioned_name,
                        traffic_percent=manifest.traffic.get(version, 0),
                        machine_type=serving.machine_type,
                        min_replicas=serving.min_replicas,
                        max_replicas=serving.max_replicas,
                        service_account=inputs.service_account,
                    )
                    for version, registered in self.versions.items()
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "endpoint": self.endpoint.id,
                "versions": {v: r.versioned_name for v, r in self.versions.items()},
                "traffic": self.deployment.traffic_split,
            }
        )
