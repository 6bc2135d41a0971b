from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable
from typing import Any

import dill
import grpc
import pytest
from google.api_core.exceptions import GoogleAPIError, PermissionDenied
from google.cloud.aiplatform_v1 import Endpoint
from google.protobuf.field_mask_pb2 import FieldMask
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.endpoint_deployment import (
    DeployedVersion,
    EndpointDeployment,
    EndpointDeploymentArgs,
    EndpointDeploymentProvider,
)
from components.providers.model_version import ModelVersionProvider
from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import ENDPOINT, PROJECT, REGION, as_pulumi_sends
from tests.providers.fake_vertex import FakeVertex
from tests.providers.test_model_version import props as version_props

SA = "dev-model-serving@acme-ml-dev.iam.gserviceaccount.com"
ALL_VERSIONS = {"v6": 1, "v7": 2, "v8": 3}


@pytest.fixture
def models(clients: VertexClients) -> dict[str, str]:
    """v6, v7 and v8 registered, as the ModelVersion resources would have done."""
    provider = ModelVersionProvider(clients)
    return {v: provider.create(version_props(v)).id for v in ALL_VERSIONS}


@pytest.fixture
def provider(clients: VertexClients) -> EndpointDeploymentProvider:
    return EndpointDeploymentProvider(clients)


def spec(split: dict[str, int], machine: str = "n1-standard-4", bounds: tuple[int, int] = (1, 3)) -> dict[str, Any]:
    """The provider's inputs for `split` (version -> percent), every version on the same compute."""
    versions = {
        v: {
            "model": f"projects/{PROJECT}/locations/{REGION}/models/acme-ml-dev-churn@{ALL_VERSIONS[v]}",
            "traffic_percent": pct,
            "machine_type": machine,
            "min_replicas": bounds[0],
            "max_replicas": bounds[1],
            "service_account": SA,
        }
        for v, pct in split.items()
    }
    return as_pulumi_sends({"project": PROJECT, "region": REGION, "endpoint": ENDPOINT, "versions": versions})


def deployed(vertex: FakeVertex) -> list[Any]:
    return list(vertex.endpoint(ENDPOINT).deployed.values())


def test_first_deploy_serves_the_manifest(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    result = provider.create(spec({"v6": 100}))
    assert result.id == f"{ENDPOINT}/deployments"
    assert vertex.serving(ENDPOINT) == {"v6": 100}
    [model] = deployed(vertex)
    assert result.outs is not None
    assert (result.outs["traffic_split"], result.outs["deployed_model_ids"]) == ({"v6": 100}, {"v6": model.id})
    assert (model.model, model.model_version_id, model.service_account) == (models["v6"].split("@")[0], "1", SA)
    assert (model.dedicated_resources.min_replica_count, model.dedicated_resources.max_replica_count) == (1, 3)


def test_canary_then_promotion_retires_the_old_version(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    provider.create(spec({"v6": 100}))
    provider.update("id", {}, spec({"v6": 90, "v7": 10}))
    assert vertex.serving(ENDPOINT) == {"v6": 90, "v7": 10}
    vertex.calls.clear()
    result = provider.update("id", {}, spec({"v7": 100}))
    assert vertex.serving(ENDPOINT) == {"v7": 100}
    # shift first, hand `default` to what now serves, then retire
    assert vertex.mutating_calls() == ["UpdateEndpoint", "MergeVersionAliases", "UndeployModel"]
    assert result.outs is not None and list(result.outs["deployed_model_ids"]) == ["v7"]


def test_a_new_version_joins_at_zero_before_traffic_moves(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    provider.create(spec({"v6": 100}))
    [v6] = vertex.endpoint(ENDPOINT).deployed
    provider.update("id", {}, spec({"v6": 50, "v7": 50}))
    history = vertex.endpoint(ENDPOINT).history
    assert len(history[-2].deployed) == 2 and history[-2].split[v6] == 100  # v7 deployed, taking nothing
    assert sorted(history[-1].split.values()) == [50, 50]


def test_a_version_at_zero_percent_is_deployed_but_takes_no_traffic(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    provider.create(spec({"v6": 100, "v7": 0}))
    assert vertex.serving(ENDPOINT) == {"v6": 100, "v7": 0}


def test_no_change_makes_no_mutating_call(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    wanted = spec({"v6": 90, "v7": 10})
    provider.create(wanted)
    vertex.calls.clear()
    provider.update("id", wanted, wanted)
    # what runs on the endpoint, what serves, and which version holds `default`
    assert vertex.calls == ["ListOperations", "GetEndpoint", "GetModel"]


def test_autoscaling_change_mutates_in_place(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    provider.create(spec({"v6": 100}))
    before = set(vertex.endpoint(ENDPOINT).deployed)
    vertex.calls.clear()
    provider.update("id", {}, spec({"v6": 100}, bounds=(2, 6)))
    assert vertex.mutating_calls() == ["MutateDeployedModel"]
    assert set(vertex.endpoint(ENDPOINT).deployed) == before
    [model] = deployed(vertex)
    assert (model.dedicated_resources.min_replica_count, model.dedicated_resources.max_replica_count) == (2, 6)


def test_machine_type_change_is_a_redeploy_without_downtime(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    provider.create(spec({"v6": 100}))
    vertex.calls.clear()
    provider.update("id", {}, spec({"v6": 100}, machine="n1-standard-8"))
    assert vertex.mutating_calls() == ["DeployModel", "UpdateEndpoint", "UndeployModel"]
    [model] = deployed(vertex)
    assert model.dedicated_resources.machine_spec.machine_type == "n1-standard-8"
    assert vertex.serving(ENDPOINT) == {"v6": 100}


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
@pytest.mark.parametrize("method", ["GetEndpoint", "DeployModel", "UpdateEndpoint", "UndeployModel", "GetOperation"])
def test_transient_errors_are_retried(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str], method: str, code: grpc.StatusCode
) -> None:
    provider.create(spec({"v6": 100}))
    vertex.calls.clear()
    vertex.fail(method, code, times=2)
    provider.update("id", {}, spec({"v7": 100}))
    assert vertex.serving(ENDPOINT) == {"v7": 100}
    assert vertex.calls.count(method) >= 3  # two refusals, then the call that went through


def test_retries_back_off_exponentially(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wanted = spec({"v6": 100})
    provider.create(wanted)
    sleeps: list[float] = []
    monkeypatch.setattr(random, "uniform", lambda _low, high: high)  # api_core's jitter, at its ceiling
    monkeypatch.setattr(time, "sleep", sleeps.append)
    vertex.fail("GetEndpoint", grpc.StatusCode.UNAVAILABLE, times=4)
    provider.update("id", wanted, wanted)
    assert sleeps == pytest.approx([0.01, 0.02, 0.04, 0.05])  # doubling from initial_delay, capped at max_delay


def test_a_permanent_error_is_not_retried(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    vertex.fail("GetEndpoint", grpc.StatusCode.PERMISSION_DENIED, times=5)
    with pytest.raises(PermissionDenied):
        provider.create(spec({"v6": 100}))
    assert vertex.calls.count("GetEndpoint") == 1


FAILURES: dict[str, tuple[Callable[[FakeVertex], None], int]] = {
    # failure -> (inject it, DeployModel calls over both runs)
    "endpoint read unavailable beyond retries": (
        lambda v: v.fail("GetEndpoint", grpc.StatusCode.UNAVAILABLE, 10**4),
        1,
    ),
    "deploy operation fails": (lambda v: v.fail_operation("DeployModel"), 2),
    "mutate operation fails": (lambda v: v.fail_operation("MutateDeployedModel"), 1),
    "traffic shift unavailable beyond retries": (
        lambda v: v.fail("UpdateEndpoint", grpc.StatusCode.UNAVAILABLE, 10**4),
        1,
    ),
    "undeploy operation fails": (lambda v: v.fail_operation("UndeployModel"), 1),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_rerun_after_a_failure_at_any_step_converges(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str], failure: str
) -> None:
    provider.create(spec({"v6": 50, "v8": 50}))
    wanted = spec({"v6": 20, "v7": 80}, bounds=(2, 4))  # every step: deploy v7, resize v6, shift, undeploy v8
    inject, deploys = FAILURES[failure]
    vertex.calls.clear()
    inject(vertex)
    with pytest.raises(GoogleAPIError):
        provider.update("id", {}, wanted)
    vertex.clear_faults()
    provider.update("id", {}, wanted)
    assert vertex.serving(ENDPOINT) == {"v6": 20, "v7": 80}
    assert {m.dedicated_resources.max_replica_count for m in deployed(vertex)} == {4}
    assert vertex.calls.count("DeployModel") == deploys  # the re-run recognised what it had deployed
    vertex.calls.clear()
    provider.update("id", {}, wanted)
    assert vertex.mutating_calls() == []


@pytest.mark.parametrize(
    ("new", "changed"),
    [
        (spec({"v6": 100}), False),
        (spec({"v6": 90, "v7": 10}), True),  # a version added
        (spec({"v7": 100}), True),  # one added, one removed
        (spec({"v6": 100}, bounds=(2, 3)), True),  # scaling
        (spec({"v6": 100}, machine="n1-standard-8"), True),  # machine
        ({**spec({"v6": 100}), "endpoint": f"{ENDPOINT}0"}, True),  # another endpoint: replace
    ],
)
def test_diff_reports_exactly_what_changed(new: dict[str, Any], changed: bool) -> None:
    old = {**spec({"v6": 100}), "deployed_model_ids": {"v6": "1001"}, "traffic_split": {"v6": 100}, "__provider": "x"}
    result = EndpointDeploymentProvider().diff("id", old, new)
    assert result.changes is changed
    assert result.replaces == (["endpoint"] if new["endpoint"] != ENDPOINT else [])


def test_refresh_reads_drift_and_update_restores(
    vertex: FakeVertex, clients: VertexClients, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    wanted = spec({"v6": 90, "v7": 10})
    created = provider.create(wanted)
    assert created.outs is not None
    unchanged = provider.read("id", created.outs)
    assert unchanged.inputs is not None and not provider.diff("id", unchanged.inputs, wanted).changes
    ids = created.outs["deployed_model_ids"]
    clients.endpoint_service(REGION).update_endpoint(  # someone moves traffic by hand
        endpoint=Endpoint(name=ENDPOINT, traffic_split={ids["v6"]: 50, ids["v7"]: 50}),
        update_mask=FieldMask(paths=["traffic_split"]),
    )
    drifted = provider.read("id", created.outs)
    assert drifted.outs is not None and drifted.outs["traffic_split"] == {"v6": 50, "v7": 50}
    assert drifted.inputs is not None and provider.diff("id", drifted.inputs, wanted).changes
    provider.update("id", drifted.inputs, wanted)
    assert vertex.serving(ENDPOINT) == {"v6": 90, "v7": 10}


def test_delete_empties_the_endpoint(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    wanted = spec({"v6": 90, "v7": 10})
    provider.create(wanted)
    provider.delete("id", wanted)
    assert vertex.endpoint(ENDPOINT).deployed == {} and vertex.endpoint(ENDPOINT).split == {}
    provider.delete("id", wanted)  # nothing left: nothing to do


def version(name: str, percent: int, bounds: tuple[int, int] = (1, 3)) -> DeployedVersion:
    return DeployedVersion(name, f"m@{name}", percent, "n1-standard-4", bounds[0], bounds[1], SA)


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ([version("v6", 90), version("v7", 20)], "traffic_percent sums to 110; it must sum to 100"),
        ([version("v6", 50), version("v6", 50)], "repeat a version"),
        ([version("v6", 100, bounds=(0, 3))], "version v6 needs 1 <= min_replicas <= max_replicas, got 0..3"),
    ],
)
def test_bad_arguments_fail_at_registration(versions: list[DeployedVersion], message: str) -> None:
    with pytest.raises(ValueError, match=rf"EndpointDeployment churn: .*{message}"):
        EndpointDeployment("churn", EndpointDeploymentArgs(PROJECT, REGION, ENDPOINT, versions))


def test_provider_pickles_the_way_pulumi_stores_it() -> None:
    restored = dill.loads(base64.b64decode(serialize_provider(EndpointDeploymentProvider())))
    assert isinstance(restored, EndpointDeploymentProvider) and restored.clients == VertexClients()


def test_a_peering_endpoint_swaps_its_one_model(
    vertex: FakeVertex, clients: VertexClients, models: dict[str, str]
) -> None:
    """Private services access serves one model: the old one goes before the new one comes (downtime)."""
    peered = f"{ENDPOINT.rpartition('/')[0]}/987654321"
    vertex.add_endpoint(peered, network="projects/412345678901/global/networks/ml-serving")
    provider = EndpointDeploymentProvider(clients)
    provider.create({**spec({"v6": 100}), "endpoint": peered})
    vertex.calls.clear()
    provider.update("id", {}, {**spec({"v7": 100}), "endpoint": peered})
    assert vertex.serving(peered) == {"v7": 100}
    assert vertex.mutating_calls() == ["UndeployModel", "DeployModel", "MergeVersionAliases"]


def test_a_new_service_account_redeploys_without_downtime(
    vertex: FakeVertex, provider: EndpointDeploymentProvider, models: dict[str, str]
) -> None:
    """MutateDeployedModel cannot change the identity a model runs as: a new deployment takes over."""
    created = provider.create(spec({"v6": 100}))
    vertex.calls.clear()
    other = "dev-model-serving-2@acme-ml-dev.iam.gserviceaccount.com"
    wanted = spec({"v6": 100})
    wanted["versions"]["v6"]["service_account"] = other
    assert created.outs is not None
    provider.update("id", created.outs, wanted)
    assert [m.service_account for m in deployed(vertex)] == [other]
    assert vertex.mutating_calls() == ["DeployModel", "UpdateEndpoint", "UndeployModel"]
    assert vertex.serving(ENDPOINT) == {"v6": 100}


def deploy_by_hand(clients: VertexClients, display_name: str, percent: int) -> str:
    """Someone deploys v6 on the same endpoint from the console, with the split they choose."""
    from google.cloud.aiplatform_v1 import DedicatedResources, DeployedModel, DeployModelRequest, MachineSpec

    endpoint = clients.endpoint_service(REGION).get_endpoint(name=ENDPOINT)
    split = {**dict(endpoint.traffic_split), "0": percent} if endpoint.traffic_split else {"0": 100}
    if percent and endpoint.traffic_split:
        split = {"0": 100, **{k: 0 for k in endpoint.traffic_split}}
    model = DeployedModel(
        model=f"projects/{PROJECT}/locations/{REGION}/models/acme-ml-dev-churn@1",
        display_name=display_name,
        service_account=SA,
        dedicated_resources=DedicatedResources(
            machine_spec=MachineSpec(machine_type="n1-standard-4"), min_replica_count=1, max_replica_count=3
        ),
    )
    request = DeployModelRequest(endpoint=ENDPOINT, deployed_model=model, traffic_split=split)
    return str(clients.wait(clients.endpoint_service(REGION).deploy_model(request=request)).deployed_model.id)


@pytest.mark.parametrize("display_name", ["v6", "shadow"])
def test_a_model_deployed_by_hand_survives_create_update_and_delete(
    vertex: FakeVertex,
    clients: VertexClients,
    provider: EndpointDeploymentProvider,
    models: dict[str, str],
    display_name: str,
) -> None:
    """Ours by exact id only: a foreign deployment (even of the same version, under the same name) is
    never adopted or undeployed, and takes no traffic the manifest does not give it."""
    foreign = deploy_by_hand(clients, display_name, 100)
    created = provider.create(spec({"v6": 100}))
    assert created.outs is not None and created.outs["deployed_model_ids"]["v6"] != foreign
    assert foreign in vertex.endpoint(ENDPOINT).deployed and vertex.endpoint(ENDPOINT).split.get(foreign, 0) == 0
    updated = provider.update("id", created.outs, spec({"v7": 100}))
    assert updated.outs is not None and foreign in vertex.endpoint(ENDPOINT).deployed
    provider.delete("id", updated.outs)
    assert list(vertex.endpoint(ENDPOINT).deployed) == [foreign]


def test_default_stays_on_a_version_uploaded_by_hand(
    vertex: FakeVertex, clients: VertexClients, provider: EndpointDeploymentProvider
) -> None:
    """`default` moves only among our versions: one a person uploaded first (so it holds `default`) keeps it."""
    from tests.providers.test_model_version import MODEL, upload_by_hand

    upload_by_hand(clients, "experiment")
    versions = ModelVersionProvider(clients)
    registered = {v: versions.create(version_props(v)).id for v in ("v6", "v7")}
    wanted = spec({"v6": 100})
    wanted["versions"]["v6"]["model"] = registered["v6"]
    provider.create(wanted)
    assert vertex.default_version(MODEL) == "experiment"
