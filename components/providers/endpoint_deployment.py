"""The models deployed on a Vertex endpoint and their traffic split, changed with no downtime.

Order of a change: (1) deploy what is new at 0 % and wait, (2) resize what stays, (3) shift
the split in one `update_endpoint`, (4) give the model's `default` alias to the version
taking the most traffic, (5) undeploy what no longer takes traffic. Every run first waits for
the operations still running on the endpoint (a killed run's deployment, a concurrent run's)
and then starts from what the endpoint serves now, so a re-run after a failure at any step
picks up where the cloud is and converges; a run with nothing to change makes no mutating call.

This resource owns only the deployed models it deployed, by exact id: the ids recorded in its
state, and the id it gives each deployment, a hash of the endpoint and what the deployment runs
(version key, model version, machine, service account), so a run whose state was lost (killed
before Pulumi saved it) recognises its own work. A model someone deployed by hand on the same
endpoint is never undeployed; it takes no traffic unless the manifest routes to it, which it
cannot ("If a DeployedModel's ID is not listed in this map, then it receives no traffic",
endpoint.proto Endpoint.traffic_split).

Two runs at once converge too: a deployment's id names one model of the endpoint (the second
run's DeployModel is refused and it waits for the first's), a split is written with the etag of
the read it came from (a stale one is ABORTED, endpoint.proto Endpoint.etag), a deployment adds
no split once the endpoint serves (DeployModelRequest.traffic_split: "If this field is empty,
then the Endpoint's traffic_split is not updated"), so an operation that ends late rewrites
nothing; after a conflict the run waits, reads again and goes on.

A private services access endpoint (VPC peering, `network` set) serves one deployed model
and cannot split traffic, so there the old model is undeployed before the new one is
deployed: a version change on such an endpoint has downtime. Private Service Connect and
public endpoints take the zero-downtime path. A change of service account redeploys:
MutateDeployedModel cannot change it (endpoint_service.proto MutateDeployedModelRequest lists
what "can be mutated": replica counts, autoscaling, container logging).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from components.providers.model_version import uploaded_here
from components.providers.resource_names import model_version_ids
from components.providers.vertex_clients import VertexProvider

INTEGERS = ("traffic_percent", "min_replicas", "max_replicas")
DEFAULT_ALIAS = "default"
SCALING_PATHS = ["dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count"]
# A run that meets another's work (a deployment under way, a split written since its read) waits,
# reads again and goes on; this many times, then it raises and the next `up` starts afresh.
ATTEMPTS = 5


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
    """Vertex reports the model (with the project number) and its version id apart."""
    return (
        deployed.display_name == want["version"]
        and _serves(deployed, want["model"])
        and deployed.dedicated_resources.machine_spec.machine_type == want["machine_type"]
        and deployed.service_account == want["service_account"]
    )


def deployment_id(endpoint: str, version: str, model: str, machine_type: str, service_account: str) -> str:
    """The id this resource gives a deployment: ten digits (endpoint.proto DeployedModel.id allows 1-10 of
    [0-9]), a hash of the endpoint's id and what the deployment runs, so the same deployment always
    gets the same id and a different one (another machine or service account) another."""
    key = "\n".join([endpoint.rpartition("/")[2], version, *model_version_ids(model), machine_type, service_account])
    return str(10**9 + int(hashlib.sha256(key.encode()).hexdigest(), 16) % (9 * 10**9))


def _own_id(endpoint: str, deployed: Any) -> str:
    """The id this resource would have given `deployed`, judged from what it runs."""
    model = f"{deployed.model}@{deployed.model_version_id}"
    machine = deployed.dedicated_resources.machine_spec.machine_type
    return deployment_id(endpoint, deployed.display_name, model, machine, deployed.service_account)


def _ours(endpoint: Any, name: str, recorded: Mapping[str, str] | None) -> list[Any]:
    """The deployed models this resource deployed: recorded in its state, or carrying its own id."""
    known = set((recorded or {}).values())
    return [d for d in endpoint.deployed_models if d.id in known or d.id == _own_id(name, d)]


def _serves(deployed: Any, model: str) -> bool:
    """Whether `deployed` runs the model version `model` names, however its project is spelled."""
    return model_version_ids(model) == (model_version_ids(deployed.model)[0], deployed.model_version_id)


class EndpointDeploymentProvider(VertexProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{props['endpoint']}/deployments", outs=self.reconcile(props, {}))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self.reconcile(news, olds.get("deployed_model_ids")))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in ("project", "region", "endpoint") if olds.get(key) != news.get(key)]
        changed = bool(replaces) or _comparable(olds) != _comparable(news)
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=True)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """What this resource's deployments serve now, in the shape of the inputs, so a refresh shows drift."""
        name = props["endpoint"]
        endpoint = self._get(self.clients.endpoint_service(props["region"]), name)
        declared = _by_version(props)
        ours = _ours(endpoint, name, props.get("deployed_model_ids"))
        versions = {d.display_name: _observed(d, endpoint.traffic_split, declared.get(d.display_name)) for d in ours}
        observed = {**props, "versions": versions}
        outs = {
            **observed,
            "deployed_model_ids": {d.display_name: d.id for d in ours},
            "traffic_split": {v: spec["traffic_percent"] for v, spec in versions.items()},
        }
        return ReadResult(id_=id_, outs=outs, inputs=observed)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Undeploy what this resource deployed; a model deployed by hand stays (traffic off ours first)."""
        from google.api_core.exceptions import NotFound

        client, name = self.clients.endpoint_service(props["region"]), props["endpoint"]
        try:
            self.clients.settle(client, name)
            endpoint = self._get(client, name)
        except NotFound:
            return
        ours = [d.id for d in _ours(endpoint, name, props.get("deployed_model_ids"))]
        if not ours:
            return
        others = [d.id for d in endpoint.deployed_models if d.id not in ours]
        if any(endpoint.traffic_split.get(i) for i in ours):
            # The last of ours may go while it serves only when nothing else stays deployed.
            split = {} if others else {ours[-1]: 100}
            if dict(_taking_traffic(endpoint.traffic_split)) != split:
                self._set_split(client, name, split, endpoint.etag)
        for deployed_id in ours:
            self._undeploy(client, name, deployed_id)

    def reconcile(self, props: Mapping[str, Any], recorded: Mapping[str, str] | None) -> dict[str, Any]:
        """Make the endpoint serve exactly `props['versions']`; returns the resulting state.

        `recorded` is the version -> deployed model id map saved by the previous run.
        """
        from google.api_core.exceptions import Aborted, AlreadyExists, FailedPrecondition

        client, name = self.clients.endpoint_service(props["region"]), props["endpoint"]
        for attempt in range(ATTEMPTS):
            self.clients.settle(client, name)
            try:
                current = self._converge(props["region"], name, _by_version(props), recorded)
                break
            except (AlreadyExists, Aborted, FailedPrecondition):
                if attempt == ATTEMPTS - 1:
                    raise
        return {
            **props,
            "deployed_model_ids": current,
            "traffic_split": {v: int(w["traffic_percent"]) for v, w in (props.get("versions") or {}).items()},
        }

    def _converge(
        self, region: str, name: str, desired: Mapping[str, Mapping[str, Any]], recorded: Mapping[str, str] | None
    ) -> dict[str, str]:
        """One pass over the steps, from a fresh read; returns version -> deployed model id."""
        client = self.clients.endpoint_service(region)
        endpoint = self._get(client, name)
        ours = _ours(endpoint, name, recorded)
        current = _matching(ours, desired)
        if endpoint.network and set(desired) - set(current):
            # Private services access: one deployed model at a time, so what goes must go first.
            for deployed in ours:
                if deployed.id not in current.values():
                    self._undeploy(client, name, deployed.id)
            endpoint = self._get(client, name)
        for version, want in desired.items():
            if version not in current:
                current[version] = self._deploy(client, name, want, endpoint)
                endpoint = self._get(client, name)
        for deployed in endpoint.deployed_models:
            if current.get(deployed.display_name) == deployed.id and self._resize(
                client, name, deployed, desired[deployed.display_name]
            ):
                endpoint = self._get(client, name)
        split = {current[v]: w["traffic_percent"] for v, w in desired.items() if w["traffic_percent"] > 0}
        if _taking_traffic(endpoint.traffic_split) != split:
            self._set_split(client, name, split, endpoint.etag)
        self._hold_default(region, desired)
        for deployed in _ours(endpoint, name, recorded):
            if deployed.id not in current.values():
                self._undeploy(client, name, deployed.id)
        return current

    def _hold_default(self, region: str, desired: Mapping[str, Mapping[str, Any]]) -> None:
        """The version taking the most traffic holds its model's `default` alias (on a tie, the holder keeps it).

        `default` moves only among the versions this stack uploaded: taken from a version uploaded
        by hand, it would change what that person's `models/ID` calls resolve to.

        Vertex keeps `default` on exactly one version and, when its holder is deleted, hands it to
        the newest version, which may be a canary: moving it here first keeps it on what serves.
        One read per run; a write only when the alias has to move.
        """
        serving = [w for w in desired.values() if w["traffic_percent"] > 0]
        if not serving:
            return
        most = max(w["traffic_percent"] for w in serving)
        leaders = sorted(w["model"] for w in serving if w["traffic_percent"] == most)
        client, retry = self.clients.model_service(region), self.clients.retry()
        holder = client.get_model(name=leaders[0].partition("@")[0], retry=retry)
        if (model_version_ids(holder.name)[0], holder.version_id) in {model_version_ids(m) for m in leaders}:
            return
        if not uploaded_here(holder):  # a version someone uploaded by hand keeps what they gave it
            return
        client.merge_version_aliases(name=leaders[0], version_aliases=[DEFAULT_ALIAS], retry=retry)

    def _get(self, client: Any, name: str) -> Any:
        return client.get_endpoint(name=name, retry=self.clients.retry())

    def _deploy(self, client: Any, name: str, want: Mapping[str, Any], endpoint: Any) -> str:
        from google.cloud.aiplatform_v1 import DedicatedResources, DeployedModel, DeployModelRequest, MachineSpec

        # Key "0" is the model being deployed: it takes all traffic only where nothing serves yet;
        # elsewhere the request carries no split, and the split moves later, with an etag.
        split = {} if _taking_traffic(endpoint.traffic_split) else {"0": 100}
        deployed = DeployedModel(
            id=deployment_id(name, want["version"], want["model"], want["machine_type"], want["service_account"]),
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

    def _resize(self, client: Any, name: str, deployed: Any, want: Mapping[str, Any]) -> bool:
        """Replica bounds change in place; returns whether they had to."""
        from google.cloud.aiplatform_v1 import DedicatedResources, DeployedModel, MutateDeployedModelRequest
        from google.protobuf.field_mask_pb2 import FieldMask

        resources = deployed.dedicated_resources
        if (resources.min_replica_count, resources.max_replica_count) == (want["min_replicas"], want["max_replicas"]):
            return False
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
        return True

    def _set_split(self, client: Any, name: str, split: Mapping[str, int], etag: str) -> None:
        """Written over the read it was computed from: if the endpoint changed since, Vertex aborts it."""
        from google.cloud.aiplatform_v1 import Endpoint, UpdateEndpointRequest
        from google.protobuf.field_mask_pb2 import FieldMask

        request = UpdateEndpointRequest(
            endpoint=Endpoint(name=name, traffic_split=dict(split), etag=etag),
            update_mask=FieldMask(paths=["traffic_split"]),
        )
        client.update_endpoint(request=request, retry=self.clients.retry())

    def _undeploy(self, client: Any, name: str, deployed_id: str) -> None:
        """Gone already (a concurrent run took it) is as good as gone now."""
        from google.api_core.exceptions import NotFound
        from google.cloud.aiplatform_v1 import UndeployModelRequest

        request = UndeployModelRequest(endpoint=name, deployed_model_id=deployed_id)
        try:
            self.clients.wait(client.undeploy_model(request=request, retry=self.clients.retry()))
        except NotFound:
            return


def _by_version(props: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Desired versions by key (so a plan diff names the version that changed).

    Pulumi hands numbers to a dynamic provider as floats; Vertex's int32 fields refuse them.
    """
    return {
        version: {**spec, **{key: int(spec[key]) for key in INTEGERS}, "version": version}
        for version, spec in (props.get("versions") or {}).items()
    }


def _matching(ours: Sequence[Any], desired: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Version -> id of our deployed model that already serves it as desired (model, machine, identity)."""
    found: dict[str, str] = {}
    for deployed in ours:
        want = desired.get(deployed.display_name)
        if want is not None and deployed.display_name not in found and _same_model(deployed, want):
            found[deployed.display_name] = deployed.id
    return found


def _comparable(props: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Versions with each model reduced to its ids, so a spelling of the project is no change."""
    return {v: {**w, "model": model_version_ids(w["model"])} for v, w in _by_version(props).items()}


def _taking_traffic(split: Mapping[str, int]) -> dict[str, int]:
    """Vertex keeps zero entries in a split; they mean the same as no entry."""
    return {deployed_id: percent for deployed_id, percent in split.items() if percent > 0}


def _observed(deployed: Any, split: Mapping[str, int], declared: Mapping[str, Any] | None) -> dict[str, Any]:
    """A deployed model written back as the `DeployedVersion` inputs that would produce it.

    Where it runs the declared model version, the declared spelling of its name is kept.
    """
    resources = deployed.dedicated_resources
    model = f"{deployed.model}@{deployed.model_version_id}"
    return {
        "model": declared["model"] if declared and _serves(deployed, declared["model"]) else model,
        "traffic_percent": split.get(deployed.id, 0),
        "machine_type": resources.machine_spec.machine_type,
        "min_replicas": resources.min_replica_count,
        "max_replicas": resources.max_replica_count,
        "service_account": deployed.service_account,
    }


def _check(name: str, versions: Sequence[DeployedVersion]) -> None:
    """Fail at registration, naming the resource, rather than halfway through a deployment."""
    keys = [v.version for v in versions]
    if len(set(keys)) != len(keys):
        raise ValueError(f"EndpointDeployment {name}: versions {keys} repeat a version")
    total = sum(v.traffic_percent for v in versions)
    if versions and total != 100:
        raise ValueError(f"EndpointDeployment {name}: traffic_percent sums to {total}; it must sum to 100")
    for v in versions:
        if not 1 <= v.min_replicas <= v.max_replicas:
            raise ValueError(
                f"EndpointDeployment {name}: version {v.version} needs 1 <= min_replicas <= max_replicas, "
                f"got {v.min_replicas}..{v.max_replicas}"
            )


class EndpointDeployment(pulumi.dynamic.Resource, module="vertex", name="EndpointDeployment"):
    deployed_model_ids: pulumi.Output[Mapping[str, str]]
    traffic_split: pulumi.Output[Mapping[str, int]]

    def __init__(self, name: str, args: EndpointDeploymentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _check(name, args.versions)
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
