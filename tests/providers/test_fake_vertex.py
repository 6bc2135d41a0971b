"""The fake must refuse what Vertex refuses, or the provider tests would prove nothing."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.api_core.exceptions import FailedPrecondition, GoogleAPICallError, InvalidArgument, NotFound
from google.cloud.aiplatform_v1 import DeployedModel, DeployModelRequest, Endpoint, UndeployModelRequest
from google.protobuf.field_mask_pb2 import FieldMask

from components.providers.model_version import ModelVersionProvider
from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import ENDPOINT
from tests.providers.fake_vertex import FakeVertex, Snapshot, serving_violations
from tests.providers.test_model_version import MODEL, props


@pytest.fixture
def endpoints(clients: VertexClients) -> Any:
    ModelVersionProvider(clients).create(props("v6"))
    return clients.endpoint_service("us-central1")


def deploy(clients: VertexClients, endpoints: Any, split: dict[str, int]) -> str:
    request = DeployModelRequest(
        endpoint=ENDPOINT, deployed_model=DeployedModel(model=f"{MODEL}@v6", display_name="v6"), traffic_split=split
    )
    return str(clients.wait(endpoints.deploy_model(request=request)).deployed_model.id)


def test_a_request_that_does_not_parse_as_its_type_is_refused(vertex: FakeVertex) -> None:
    """Field 1 of UploadModelRequest is a string: bytes that are not UTF-8 fail the real parser."""
    with grpc.insecure_channel(vertex.address) as channel:
        upload = channel.unary_unary("/google.cloud.aiplatform.v1.ModelService/UploadModel")
        with pytest.raises(grpc.RpcError) as refused:
            upload(b"\x0a\x02\xff\xfe")
    assert refused.value.code() == grpc.StatusCode.INTERNAL and vertex.calls == []


def test_a_split_must_add_up_and_name_deployed_models(
    vertex: FakeVertex, clients: VertexClients, endpoints: Any
) -> None:
    with pytest.raises(InvalidArgument, match="sums to 90"):
        deploy(clients, endpoints, {"0": 90})
    first = deploy(clients, endpoints, {"0": 100})
    mask = FieldMask(paths=["traffic_split"])
    with pytest.raises(InvalidArgument, match="undeployed models"):
        endpoints.update_endpoint(endpoint=Endpoint(name=ENDPOINT, traffic_split={"4242": 100}), update_mask=mask)
    assert vertex.serving(ENDPOINT) == {"v6": 100} and first in vertex.endpoints[ENDPOINT].deployed


def test_a_model_taking_traffic_is_not_undeployed_without_a_new_split(clients: VertexClients, endpoints: Any) -> None:
    first = deploy(clients, endpoints, {"0": 100})
    second = deploy(clients, endpoints, {first: 100, "0": 0})
    with pytest.raises(FailedPrecondition):
        endpoints.undeploy_model(request=UndeployModelRequest(endpoint=ENDPOINT, deployed_model_id=first))
    request = UndeployModelRequest(endpoint=ENDPOINT, deployed_model_id=first, traffic_split={second: 100})
    clients.wait(endpoints.undeploy_model(request=request))


def test_a_failed_deploy_deploys_nothing(vertex: FakeVertex, clients: VertexClients, endpoints: Any) -> None:
    vertex.fail_operation("DeployModel")
    with pytest.raises(GoogleAPICallError):
        deploy(clients, endpoints, {"0": 100})
    assert vertex.endpoints[ENDPOINT].deployed == {} and vertex.endpoints[ENDPOINT].history == []


def test_unknown_names_are_not_found(clients: VertexClients, endpoints: Any) -> None:
    with pytest.raises(NotFound):
        endpoints.get_endpoint(name=f"{ENDPOINT}0")
    with pytest.raises(NotFound):
        clients.model_service("us-central1").get_model(name=f"{MODEL}@v9")


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        ([Snapshot(frozenset({"1"}), {"1": 100}), Snapshot(frozenset({"1", "2"}), {})], "nothing takes traffic"),
        ([Snapshot(frozenset({"1"}), {"1": 60})], "does not add up to 100"),
        ([Snapshot(frozenset({"1"}), {"2": 100})], "names models not deployed"),
        ([Snapshot(frozenset({"1"}), {"1": 100}), Snapshot(frozenset(), {}), Snapshot(frozenset({"2"}), {})], "#1"),
    ],
)
def test_the_serving_invariants_catch_downtime(history: list[Snapshot], problem: str) -> None:
    assert problem in " ".join(serving_violations(history))


def test_a_teardown_at_the_end_is_not_downtime() -> None:
    assert serving_violations([Snapshot(frozenset({"1"}), {"1": 100}), Snapshot(frozenset(), {})]) == []
