"""The models deployed on a Vertex endpoint and their traffic split, changed with no downtime.

Order of a change: (1) deploy what is new at 0 % and wait, (2) resize what stays, (3) shift
the split in one `update_endpoint`, (4) undeploy what no longer takes traffic. Each step
reads the endpoint first, so a re-run after a failure at any step picks up where the cloud
is and converges; a run with nothing to change makes no mutating call. A deployed model
carries its version key as display name, which is how a re-run recognises its own work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from components.providers.vertex_clients import VertexClients

SCALING_PATHS = ["dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count"]


@dataclass(frozen=True)
class DeployedVersion:
    version: str
    model: pulumi.Input[str]
    traffic_percent: int
    machine_type: str
    min_replicas: int
    max_replicas: int
    service_account: pulumi.Input[str]


@dataclass(frozen=True)
class EndpointDeploymentArgs:
    project: str
    region: str
    endpoint: pulumi.Input[str]
    versions: Sequence[DeployedVersion]


def _same_model(deployed: Any, want: Mapping[str, Any]) -> bool:
    """Vertex reports the model without its version and the version id apart."""
    model = want["model"]
    return (
        deployed.display_name == want["version"]
        and model in (deployed.model, f"{deployed.model}@{deployed.model_version_id}")
        and deployed.dedicated_resources.machine_spec.machine_type == want["machine_type"]
    )


class EndpointDeploymentProvider(ResourceProvider):
    serialize_as_secret_always = False

    def __init__(self, clients: VertexClients | None = None) -> None:
        super().__init__()
        self.clients = clients or VertexClients()

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{props['endpoint']}/deployments", outs=self.reconcile(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self.reconcile(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in ("project", "region", "endpoint") if olds.get(key) != news.get(key)]
        changed = bool(replaces) or _by_version(olds) != _by_version(news)
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=True)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Undeploy everything this resource deployed: traffic first onto one model, that one last."""
        from google.api_core.exceptions import NotFound

        client = self.clients.endpoint_service(props["region"])
        try:
            endpoint = self._get(client, props["endpoint"])
        except NotFound:
            return
        ours = [d.id for d in endpoint.deployed_models if d.display_name in _by_version(props)]
        if not ours:
            return
        last = ours[-1]
        others = [d.id for d in endpoint.deployed_models if d.id not in ours]
        if not others:
            self._set_split(client, props["endpoint"], {last: 100})
        for deployed_id in ours[:-1]:
            self._undeploy(client, props["endpoint"], deployed_id)
        self._undeploy(client, props["endpoint"], last)

    def reconcile(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Make the endpoint serve exactly `props['versions']`; returns the resulting state."""
        client, name = self.clients.endpoint_service(props["region"]), props["endpoint"]
        desired = _by_version(props)
        endpoint = self._get(client, name)
        current = _matching(endpoint, desired)
        for version, want in desired.items():
            if version not in current:
                current[version] = self._deploy(client, name, want, endpoint)
                endpoint = self._get(client, name)
        for deployed in endpoint.deployed_models:
            want = desired.get(deployed.display_name)
            if want and current.get(deployed.display_name) == deployed.id:
                self._resize(client, name, deployed, want)
        split = {current[v]: w["traffic_percent"] for v, w in desired.items() if w["traffic_percent"] > 0}
        if dict(endpoint.traffic_split) != split:
            self._set_split(client, name, split)
        for deployed in endpoint.deployed_models:
            if deployed.id not in current.values():
                self._undeploy(client, name, deployed.id)
        return {
            **props,
            "deployed_model_ids": current,
            "traffic_split": {v: w["traffic_percent"] for v, w in desired.items()},
        }

    def _get(self, client: Any, name: str) -> Any:
        return client.get_endpoint(name=name, retry=self.clients.retry())

    def _deploy(self, client: Any, name: str, want: Mapping[str, Any], endpoint: Any) -> str:
        from google.cloud.aiplatform_v1 import DedicatedResources, DeployedModel, DeployModelRequest, MachineSpec

        # Key "0" is the model being deployed: it joins at 0 % unless the endpoint serves nothing yet.
        split = {**dict(endpoint.traffic_split), "0": 0} if endpoint.traffic_split else {"0": 100}
        deployed = DeployedModel(
            model=want["model"],
            display_name=want["version"],
            service_account=want["service_account"],
            dedicated_resources=DedicatedResources(
                machine_spec=MachineSpec(machine_type=want["machine_type"]),
                min_replica_count=want["min_replicas"],
                max_replica_count=want["max_replicas"],
            ),
        )
        request = DeployModelRequest(endpoint=name, deployed_model=deployed, traffic_split=split)
        response = self.clients.wait(client.deploy_model(request=request, retry=self.clients.retry()))
        return str(response.deployed_model.id)

    def _resize(self, client: Any, name: str, deployed: Any, want: Mapping[str, Any]) -> None:
        from google.cloud.aiplatform_v1 import DedicatedResources, DeployedModel, MutateDeployedModelRequest
        from google.protobuf.field_mask_pb2 import FieldMask

        resources = deployed.dedicated_resources
        if (resources.min_replica_count, resources.max_replica_count) == (want["min_replicas"], want["max_replicas"]):
            return
        request = MutateDeployedModelRequest(
            endpoint=name,
            deployed_model=DeployedModel(
                id=deployed.id,
                dedicated_resources=DedicatedResources(
                    machine_spec=resources.machine_spec,
                    min_replica_count=want["min_replicas"],
                    max_replica_count=want["max_replicas"],
                ),
            ),
            update_mask=FieldMask(paths=SCALING_PATHS),
        )
        self.clients.wait(client.mutate_deployed_model(request=request, retry=self.clients.retry()))

    def _set_split(self, client: Any, name: str, split: Mapping[str, int]) -> None:
        from google.cloud.aiplatform_v1 import Endpoint, UpdateEndpointRequest
        from google.protobuf.field_mask_pb2 import FieldMask

        request = UpdateEndpointRequest(
            endpoint=Endpoint(name=name, traffic_split=dict(split)), update_mask=FieldMask(paths=["traffic_split"])
        )
        client.update_endpoint(request=request, retry=self.clients.retry())

    def _undeploy(self, client: Any, name: str, deployed_id: str) -> None:
        from google.cloud.aiplatform_v1 import UndeployModelRequest

        request = UndeployModelRequest(endpoint=name, deployed_model_id=deployed_id)
        self.clients.wait(client.undeploy_model(request=request, retry=self.clients.retry()))


def _by_version(props: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Versions are keyed by version, so a plan diff names the version that changed."""
    return {version: {**spec, "version": version} for version, spec in (props.get("versions") or {}).items()}


def _matching(endpoint: Any, desired: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Version -> id of the deployed model that already serves it as desired (model and machine)."""
    found: dict[str, str] = {}
    for deployed in endpoint.deployed_models:
        want = desired.get(deployed.display_name)
        if want is not None and deployed.display_name not in found and _same_model(deployed, want):
            found[deployed.display_name] = deployed.id
    return found


class EndpointDeployment(pulumi.dynamic.Resource, module="vertex", name="EndpointDeployment"):
    deployed_model_ids: pulumi.Output[Mapping[str, str]]
    traffic_split: pulumi.Output[Mapping[str, int]]

    def __init__(self, name: str, args: EndpointDeploymentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "project": args.project,
            "region": args.region,
            "endpoint": args.endpoint,
            "versions": {
                v.version: {f.name: getattr(v, f.name) for f in fields(v) if f.name != "version"} for v in args.versions
            },
            "deployed_model_ids": None,
            "traffic_split": None,
        }
        super().__init__(EndpointDeploymentProvider(), name, props, opts)
