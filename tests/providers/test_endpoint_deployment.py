from __future__ import annotations

from typing import Any

import dill
import grpc
import pytest
from google.api_core.exceptions import GoogleAPIError

from components.providers.endpoint_deployment import EndpointDeploymentProvider
from components.providers.model_version import ModelVersionProvider
from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import ENDPOINT, PROJECT, REGION
from tests.providers.fake_vertex import FakeVertex
from tests.providers.test_model_version import props as version_props

SA = "dev-model-serving@acme-ml-dev.iam.gserviceaccount.com"


@pytest.fixture
def models(clients: VertexClients) -> dict[str, str]:
    """v6, v7 and v8 registered, as the ModelVersion resources would have done."""
    provider = ModelVersionProvider(clients)
    return {v: provider.create(version_props(v)).id for v in ("v6", "v7", "v8")}


def spec(models: dict[str, str], split: dict[str, int], machine: str = "n1-standard-4", bounds=(1, 3)) -> dict:
    versions = {
        v: {
            "model": models[v],
            "traffic_percent": pct,
            "machine_type": machine,
            "min_replicas": bounds[0],
            "max_replicas": bounds[1],
            "service_account": SA,
        }
        for v, pct in split.items()
    }
    return {"project": PROJECT, "region": REGION, "endpoint": ENDPOINT, "versions": versions}


def assert_invariants(vertex: FakeVertex) -> None:
    """Over every split the endpoint ever had: only deployed ids, sums to 100, never zero serving."""
    assert vertex.violations == []
    history = vertex.endpoints[ENDPOINT].history
    for split in history:
        assert sum(split.values()) == 100, history
        assert any(pct > 0 for pct in split.values()), history


def test_first_deploy_serves_the_manifest(vertex: FakeVertex, clients: VertexClients, models) -> None:
    result = EndpointDeploymentProvider(clients).create(spec(models, {"v6": 100}))
    assert result.id == f"{ENDPOINT}/deployments"
    assert vertex.serving(ENDPOINT) == {"v6": 100}
    assert result.outs["traffic_split"] == {"v6": 100}
    deployed = next(iter(vertex.endpoints[ENDPOINT].deployed.values()))
    assert (deployed.model_version_id, deployed.service_account) == ("1", SA)
    assert (deployed.dedicated_resources.min_replica_count, deployed.dedicated_resources.max_replica_count) == (1, 3)
    assert_invariants(vertex)


def test_canary_then_promotion_then_retirement(vertex: FakeVertex, clients: VertexClients, models) -> None:
    provider = EndpointDeploymentProvider(clients)
    provider.create(spec(models, {"v6": 100}))
    provider.update("id", {}, spec(models, {"v6": 90, "v7": 10}))
    assert vertex.serving(ENDPOINT) == {"v6": 90, "v7": 10}
    vertex.calls.clear()
    result = provider.update("id", {}, spec(models, {"v7": 100}))
    assert vertex.serving(ENDPOINT) == {"v7": 100}
    assert vertex.mutating_calls() == ["UpdateEndpoint", "UndeployModel"]  # shift first, then retire
    assert list(result.outs["deployed_model_ids"]) == ["v7"]
    assert_invariants(vertex)


def test_new_version_joins_at_zero_before_traffic_moves(vertex: FakeVertex, clients: VertexClients, models) -> None:
    provider = EndpointDeploymentProvider(clients)
    provider.create(spec(models, {"v6": 100}))
    provider.update("id", {}, spec(models, {"v6": 50, "v7": 50}))
    history = vertex.endpoints[ENDPOINT].history
    v6 = next(i for i, d in vertex.endpoints[ENDPOINT].deployed.items() if d.display_name == "v6")
    assert history[-2] == {v6: 100}  # v7 deployed, taking nothing yet
    assert sorted(history[-1].values()) == [50, 50]


def test_no_change_makes_no_mutating_call(vertex: FakeVertex, clients: VertexClients, models) -> None:
    provider = EndpointDeploymentProvider(clients)
    wanted = spec(models, {"v6": 90, "v7": 10})
    provider.create(wanted)
    vertex.calls.clear()
    provider.update("id", wanted, wanted)
    assert vertex.mutating_calls() == []
    assert not provider.diff("id", wanted, wanted).changes


def test_autoscaling_change_mutates_in_place(vertex: FakeVertex, clients: VertexClients, models) -> None:
    provider = EndpointDeploymentProvider(clients)
    provider.create(spec(models, {"v6": 100}))
    before = set(vertex.endpoints[ENDPOINT].deployed)
    vertex.calls.clear()
    provider.update("id", {}, spec(models, {"v6": 100}, bounds=(2, 6)))
    assert vertex.mutating_calls() == ["MutateDeployedModel"]
    [deployed] = vertex.endpoints[ENDPOINT].deployed.values()
    assert set(vertex.endpoints[ENDPOINT].deployed) == before
    assert (deployed.dedicated_resources.min_replica_count, deployed.dedicated_resources.max_replica_count) == (2, 6)


def test_machine_type_change_is_a_redeploy_without_downtime(vertex: FakeVertex, clients: VertexClients, models) -> None:
    provider = EndpointDeploymentProvider(clients)
    provider.create(spec(models, {"v6": 100}))
    vertex.calls.clear()
    provider.update("id", {}, spec(models, {"v6": 100}, machine="n1-standard-8"))
    assert vertex.mutating_calls() == ["DeployModel", "UpdateEndpoint", "UndeployModel"]
    [deployed] = vertex.endpoints[ENDPOINT].deployed.values()
    assert deployed.dedicated_resources.machine_spec.machine_type == "n1-standard-8"
    assert vertex.serving(ENDPOINT) == {"v6": 100}
    assert_invariants(vertex)


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
@pytest.mark.parametrize("method", ["GetEndpoint", "DeployModel", "UpdateEndpoint", "UndeployModel", "GetOperation"])
def test_transient_errors_are_retried(vertex: FakeVertex, clients: VertexClients, models, method: str, code) -> None:
    provider = EndpointDeploymentProvider(clients)
    provider.create(spec(models, {"v6": 100}))
    vertex.fail(method, code, times=2)
    provider.update("id", {}, spec(models, {"v7": 100}))
    assert vertex.serving(ENDPOINT) == {"v7": 100}
    assert_invariants(vertex)


FAILURES: dict[str, Any] = {
    "deploy operation fails": lambda v: v.fail_operation("DeployModel"),
    "traffic shift unavailable beyond retries": lambda v: v.fail("UpdateEndpoint", grpc.StatusCode.UNAVAILABLE, 10_000),
    "undeploy operation fails": lambda v: v.fail_operation("UndeployModel"),
    "mutate operation fails": lambda v: v.fail_operation("MutateDeployedModel"),
    "endpoint read unavailable beyond retries": lambda v: v.fail("GetEndpoint", grpc.StatusCode.UNAVAILABLE, 10_000),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_rerun_after_a_failure_at_any_step_converges(vertex: FakeVertex, clients: VertexClients, models, failure):
    provider = EndpointDeploymentProvider(clients)
    provider.create(spec(models, {"v6": 50, "v8": 50}))
    # Every step happens: deploy v7, resize v6, shift traffic, undeploy v8.
    wanted = spec(models, {"v6": 20, "v7": 80}, bounds=(2, 4))
    FAILURES[failure](vertex)
    with pytest.raises(GoogleAPIError):
        provider.update("id", {}, wanted)
    vertex.clear_faults()
    provider.update("id", {}, wanted)
    assert vertex.serving(ENDPOINT) == {"v6": 20, "v7": 80}
    assert all(d.dedicated_resources.max_replica_count == 4 for d in vertex.endpoints[ENDPOINT].deployed.values())
    vertex.calls.clear()
    provider.update("id", {}, wanted)
    assert vertex.mutating_calls() == []
    assert_invariants(vertex)


def test_diff_names_exactly_what_changed(models) -> None:
    provider = EndpointDeploymentProvider()
    old, new = spec(models, {"v6": 100}), spec(models, {"v6": 90, "v7": 10})
    assert provider.diff("id", old, new).changes and provider.diff("id", old, new).replaces == []
    moved = dict(new, endpoint=new["endpoint"] + "0")
    assert provider.diff("id", new, moved).replaces == ["endpoint"]


def test_delete_undeploys_everything_it_deployed(vertex: FakeVertex, clients: VertexClients, models) -> None:
    provider = EndpointDeploymentProvider(clients)
    wanted = spec(models, {"v6": 90, "v7": 10})
    provider.create(wanted)
    provider.delete("id", wanted)
    assert vertex.endpoints[ENDPOINT].deployed == {} and vertex.endpoints[ENDPOINT].split == {}
    assert vertex.violations == []


def test_provider_pickles_for_pulumi() -> None:
    assert dill.loads(dill.dumps(EndpointDeploymentProvider(), recurse=True)).clients.channel is None
