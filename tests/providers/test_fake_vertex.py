"""The fake must refuse what Vertex refuses, or the provider tests would prove nothing."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.api_core.exceptions import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    GoogleAPICallError,
    InvalidArgument,
    NotFound,
)
from google.cloud.aiplatform_v1 import (
    BigQueryDestination,
    CreateEndpointRequest,
    DeployedModel,
    DeployModelRequest,
    Endpoint,
    Model,
    ModelContainerSpec,
    MutateDeployedModelRequest,
    PredictRequestResponseLoggingConfig,
    PrivateServiceConnectConfig,
    UndeployModelRequest,
    UploadModelRequest,
)
from google.protobuf.field_mask_pb2 import FieldMask

from components.providers.model_version import ModelVersionProvider
from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import ENDPOINT, LOCATION, PROJECT_NUMBER
from tests.providers.fake_vertex import FakeVertex, Snapshot, serving_violations
from tests.providers.test_model_version import MODEL, NAMED, props

PSA = f"{LOCATION}/endpoints/111111111"
PSC = f"{LOCATION}/endpoints/222222222"


@pytest.fixture
def endpoints(clients: VertexClients) -> Any:
    ModelVersionProvider(clients).create(props("v6"))
    return clients.endpoint_service("us-central1")


def deploy(clients: VertexClients, endpoints: Any, split: dict[str, int], endpoint: str = ENDPOINT) -> str:
    request = DeployModelRequest(
        endpoint=endpoint, deployed_model=DeployedModel(model=f"{MODEL}@v6", display_name="v6"), traffic_split=split
    )
    return str(clients.wait(endpoints.deploy_model(request=request)).deployed_model.id)


def upload(clients: VertexClients, model: Model, **placement: str) -> Any:
    request = UploadModelRequest(parent=LOCATION, model=model, **placement)
    return clients.wait(clients.model_service("us-central1").upload_model(request=request))


def a_model(**fields: Any) -> Model:
    return Model(display_name="m", container_spec=ModelContainerSpec(image_uri="img"), **fields)


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
    assert vertex.serving(ENDPOINT) == {"v6": 100} and first in vertex.endpoint(ENDPOINT).deployed


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
    assert vertex.endpoint(ENDPOINT).deployed == {} and vertex.endpoint(ENDPOINT).history == []


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


# -- names and ids ---------------------------------------------------------------------------
def test_answers_name_the_project_by_number_whatever_the_request_spelled(
    vertex: FakeVertex, clients: VertexClients, endpoints: Any
) -> None:
    model = clients.model_service("us-central1").get_model(name=f"{MODEL}@v6")  # asked by project id
    assert model.name == NAMED and NAMED.startswith(f"projects/{PROJECT_NUMBER}/")
    assert endpoints.get_endpoint(name=ENDPOINT).name == vertex.canonical(ENDPOINT)
    deploy(clients, endpoints, {"0": 100})
    [served] = endpoints.get_endpoint(name=ENDPOINT).deployed_models
    assert (served.model, served.model_version_id) == (NAMED, "1") and served.id.isdigit()


def test_version_ids_are_assigned_in_sequence_and_never_reused(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    ids = [provider.create(props(v)).id for v in ("v6", "v7", "v8")]
    assert [i.rpartition("@")[2] for i in ids] == ["1", "2", "3"]
    provider.delete(ids[2], props("v8"))
    assert provider.create(props("v9")).id.endswith("@4")


@pytest.mark.parametrize(
    ("endpoint_id", "ok"),
    [
        ("123456789", True),
        ("1234567890", False),
        ("012345678", False),
        ("prod-churn", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("prod-churn-", False),
        ("Prod", False),
        ("-x", False),
    ],
)
def test_endpoint_ids_follow_create_endpoint(
    vertex: FakeVertex, clients: VertexClients, endpoint_id: str, ok: bool
) -> None:
    request = CreateEndpointRequest(parent=LOCATION, endpoint=Endpoint(display_name="e"), endpoint_id=endpoint_id)
    create = clients.endpoint_service("us-central1").create_endpoint
    if ok:
        assert clients.wait(create(request=request)).name.endswith(f"/endpoints/{endpoint_id}")
    else:
        with pytest.raises(InvalidArgument):
            create(request=request)


@pytest.mark.parametrize(
    ("model_id", "ok"),
    [
        ("acme-ml-dev-churn", True),
        ("_x", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("7churn", False),
        ("-churn", False),
        ("Churn", False),
    ],
)
def test_model_ids_follow_upload(vertex: FakeVertex, clients: VertexClients, model_id: str, ok: bool) -> None:
    if ok:
        assert upload(clients, a_model(), model_id=model_id).model.endswith(f"/models/{model_id}")
    else:
        with pytest.raises(InvalidArgument):
            upload(clients, a_model(), model_id=model_id)


@pytest.mark.parametrize(
    ("labels", "ok"),
    [
        ({"env": "dev", "empty": ""}, True),
        ({"k": "v" * 63}, True),
        ({"k": "v" * 64}, False),
        ({"k" * 64: "v"}, False),
        ({"Env": "dev"}, False),
        ({"env": "Dev"}, False),
        ({"1env": "dev"}, False),
    ],
)
def test_labels_follow_the_label_rules(
    vertex: FakeVertex, clients: VertexClients, labels: dict[str, str], ok: bool
) -> None:
    if ok:
        upload(clients, a_model(labels=labels), model_id="m")
    else:
        with pytest.raises(InvalidArgument):
            upload(clients, a_model(labels=labels), model_id="m")


# -- aliases and the default version ------------------------------------------------------------
def test_the_first_version_holds_default_and_default_only_moves(vertex: FakeVertex, clients: VertexClients) -> None:
    provider, service = ModelVersionProvider(clients), clients.model_service("us-central1")
    v6, v7 = provider.create(props("v6")), provider.create(props("v7"))
    assert vertex.default_version(MODEL) == "v6"
    with pytest.raises(InvalidArgument):
        service.merge_version_aliases(name=v6.id, version_aliases=["-default"])
    service.merge_version_aliases(name=v7.id, version_aliases=["default"])  # applying it moves it
    assert vertex.default_version(MODEL) == "v7"
    assert [m.version_aliases for m in vertex.model_versions(MODEL)] == [["v6"], ["v7", "default"]]


@pytest.mark.parametrize("alias", ["7", "V7", "v", "v_7", "v" * 129])
def test_aliases_follow_the_documented_format(vertex: FakeVertex, clients: VertexClients, alias: str) -> None:
    created = ModelVersionProvider(clients).create(props("v6"))
    with pytest.raises(InvalidArgument):
        clients.model_service("us-central1").merge_version_aliases(name=created.id, version_aliases=[alias])


def test_deleting_the_default_holder_hands_default_to_the_newest(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    v6, _, _ = provider.create(props("v6")), provider.create(props("v7")), provider.create(props("v8"))
    clients.wait(clients.model_service("us-central1").delete_model_version(name=v6.id))
    assert vertex.default_version(MODEL) == "v8"


def test_the_only_or_a_deployed_version_is_not_deleted(clients: VertexClients, endpoints: Any) -> None:
    service = clients.model_service("us-central1")
    with pytest.raises(FailedPrecondition, match="only version"):
        service.delete_model_version(name=f"{NAMED}@1")
    ModelVersionProvider(clients).create(props("v7"))
    deploy(clients, endpoints, {"0": 100})  # v6
    with pytest.raises(FailedPrecondition, match="is deployed"):
        service.delete_model_version(name=f"{NAMED}@1")
    with pytest.raises(FailedPrecondition, match="deployed versions"):
        service.delete_model(name=MODEL)


# -- endpoints and splits -----------------------------------------------------------------------
def test_zero_traffic_entries_stay_in_the_split(clients: VertexClients, endpoints: Any) -> None:
    first = deploy(clients, endpoints, {"0": 100})
    second = deploy(clients, endpoints, {first: 100, "0": 0})
    assert dict(endpoints.get_endpoint(name=ENDPOINT).traffic_split) == {first: 100, second: 0}


def test_private_services_access_serves_one_model_and_psc_splits(
    vertex: FakeVertex, clients: VertexClients, endpoints: Any
) -> None:
    vertex.add_endpoint(PSA, network="projects/412345678901/global/networks/ml-serving")
    vertex.add_endpoint(PSC, psc_projects=["acme-ml-prod"])
    only = deploy(clients, endpoints, {"0": 100}, PSA)
    with pytest.raises(FailedPrecondition, match="serve one model"):
        deploy(clients, endpoints, {only: 100, "0": 0}, PSA)
    first = deploy(clients, endpoints, {"0": 100}, PSC)
    second = deploy(clients, endpoints, {first: 100, "0": 0}, PSC)
    mask = FieldMask(paths=["traffic_split"])
    endpoints.update_endpoint(endpoint=Endpoint(name=PSC, traffic_split={first: 90, second: 10}), update_mask=mask)
    assert vertex.endpoint(PSC).split == {first: 90, second: 10}
    psc = endpoints.get_endpoint(name=PSC).private_service_connect_config
    assert psc.enable_private_service_connect and list(psc.project_allowlist) == ["acme-ml-prod"]


def test_network_and_private_service_connect_are_exclusive(clients: VertexClients) -> None:
    endpoint = Endpoint(
        display_name="e",
        network="projects/412345678901/global/networks/ml-serving",
        private_service_connect_config=PrivateServiceConnectConfig(enable_private_service_connect=True),
    )
    with pytest.raises(InvalidArgument, match="exclusive"):
        clients.endpoint_service("us-central1").create_endpoint(
            parent=LOCATION, endpoint=endpoint, endpoint_id="333333333"
        )


# -- long-running operations ----------------------------------------------------------------------
def test_operations_are_done_only_after_polling(vertex: FakeVertex, clients: VertexClients) -> None:
    vertex.operation_polls = 3
    operation = clients.model_service("us-central1").upload_model(
        request=UploadModelRequest(parent=LOCATION, model=a_model(), model_id="m")
    )
    assert not operation.done() and not operation.done()  # each done() polls GetOperation once
    assert vertex.model_versions(f"{LOCATION}/models/m") == []  # nothing happened yet
    assert operation.done() and vertex.calls.count("GetOperation") == 3
    assert operation.result().model.endswith("/models/m")


def test_a_killed_caller_sees_cancelled_while_the_cloud_finishes_the_work(
    vertex: FakeVertex, clients: VertexClients
) -> None:
    vertex.crash_after("UploadModel")
    with pytest.raises(GoogleAPICallError) as killed:
        upload(clients, a_model(), model_id="m")
    assert killed.value.grpc_status_code == grpc.StatusCode.CANCELLED  # type: ignore[attr-defined]
    assert len(vertex.model_versions(f"{LOCATION}/models/m")) == 1


# -- operations on an endpoint, ids, etags -------------------------------------------------------
def test_deploy_model_applies_its_split_when_the_operation_ends(
    vertex: FakeVertex, clients: VertexClients, endpoints: Any
) -> None:
    """es.proto DeployModelRequest.traffic_split overwrites the endpoint's split: at the end of the operation."""
    first = deploy(clients, endpoints, {"0": 100})
    request = DeployModelRequest(
        endpoint=ENDPOINT, deployed_model=DeployedModel(model=f"{MODEL}@v6", display_name="v6"), traffic_split={}
    )
    running = endpoints.deploy_model(request=request)
    second = deploy(clients, endpoints, {first: 50, "0": 50})
    assert running.operation.name.startswith(f"{vertex.canonical(ENDPOINT)}/operations/")
    vertex.finish_operations()
    assert vertex.endpoint(ENDPOINT).split == {first: 50, second: 50}  # an empty split leaves it alone
    stale = DeployModelRequest(
        endpoint=ENDPOINT, deployed_model=DeployedModel(model=f"{MODEL}@v6"), traffic_split={first: 100, "0": 0}
    )
    endpoints.deploy_model(request=stale)
    endpoints.update_endpoint(
        endpoint=Endpoint(name=ENDPOINT, traffic_split={second: 100}), update_mask=FieldMask(paths=["traffic_split"])
    )
    clients.wait(endpoints.undeploy_model(request=UndeployModelRequest(endpoint=ENDPOINT, deployed_model_id=first)))
    vertex.finish_operations()
    assert "names models not deployed" in " ".join(serving_violations(vertex.endpoint(ENDPOINT).history))
    vertex.endpoint(ENDPOINT).history.clear()  # the point of this test, not a fault of the fixture's endpoint


def test_an_endpoint_lists_its_own_operations(vertex: FakeVertex, clients: VertexClients, endpoints: Any) -> None:
    vertex.add_endpoint(PSC, psc_projects=["acme-ml-prod"])
    deploy(clients, endpoints, {"0": 100})
    request = DeployModelRequest(endpoint=PSC, deployed_model=DeployedModel(model=f"{MODEL}@v6"), traffic_split={})
    running = endpoints.deploy_model(request=request).operation.name
    listed = endpoints.list_operations(request={"name": PSC}).operations
    assert [(o.name, o.done) for o in listed] == [(running, False)]
    [done] = endpoints.list_operations(request={"name": ENDPOINT}).operations
    assert done.done and done.name.startswith(vertex.canonical(ENDPOINT))


@pytest.mark.parametrize(("given", "refused"), [("12345678901", InvalidArgument), ("12a", InvalidArgument)])
def test_a_deployed_model_id_is_one_to_ten_digits(
    clients: VertexClients, endpoints: Any, given: str, refused: type
) -> None:
    model = DeployedModel(id=given, model=f"{MODEL}@v6")
    with pytest.raises(refused):
        endpoints.deploy_model(request=DeployModelRequest(endpoint=ENDPOINT, deployed_model=model))


def test_a_deployed_model_id_names_one_model_even_while_it_deploys(clients: VertexClients, endpoints: Any) -> None:
    model = DeployedModel(id="4242", model=f"{MODEL}@v6")
    endpoints.deploy_model(request=DeployModelRequest(endpoint=ENDPOINT, deployed_model=model))
    with pytest.raises(AlreadyExists):
        endpoints.deploy_model(request=DeployModelRequest(endpoint=ENDPOINT, deployed_model=model))


def test_a_split_written_with_a_stale_etag_is_aborted(clients: VertexClients, endpoints: Any) -> None:
    first = deploy(clients, endpoints, {"0": 100})
    read = endpoints.get_endpoint(name=ENDPOINT)
    second = deploy(clients, endpoints, {first: 100, "0": 0})
    mask = FieldMask(paths=["traffic_split"])
    with pytest.raises(Aborted):
        endpoints.update_endpoint(
            endpoint=Endpoint(name=ENDPOINT, traffic_split={first: 100}, etag=read.etag), update_mask=mask
        )
    fresh = endpoints.get_endpoint(name=ENDPOINT).etag
    split = {first: 50, second: 50}
    assert endpoints.update_endpoint(
        endpoint=Endpoint(name=ENDPOINT, traffic_split=split, etag=fresh), update_mask=mask
    )


def test_a_deployed_model_being_undeployed_is_not_undeployed_twice(
    vertex: FakeVertex, clients: VertexClients, endpoints: Any
) -> None:
    only = deploy(clients, endpoints, {"0": 100})
    endpoints.undeploy_model(request=UndeployModelRequest(endpoint=ENDPOINT, deployed_model_id=only))
    with pytest.raises(FailedPrecondition, match="being undeployed"):
        endpoints.undeploy_model(request=UndeployModelRequest(endpoint=ENDPOINT, deployed_model_id=only))


def test_the_service_account_is_not_mutable(clients: VertexClients, endpoints: Any) -> None:
    """es.proto MutateDeployedModelRequest.deployed_model lists what "can be mutated": no service account."""
    only = deploy(clients, endpoints, {"0": 100})
    request = MutateDeployedModelRequest(
        endpoint=ENDPOINT,
        deployed_model=DeployedModel(id=only, service_account="other@acme-ml-dev.iam.gserviceaccount.com"),
        update_mask=FieldMask(paths=["service_account"]),
    )
    with pytest.raises(InvalidArgument, match="immutable"):
        endpoints.mutate_deployed_model(request=request)


def test_a_teardown_that_leaves_a_foreign_model_is_not_downtime() -> None:
    history = [
        Snapshot(frozenset({"1", "9"}), {"1": 100}),
        Snapshot(frozenset({"1", "9"}), {}),
        Snapshot(frozenset({"9"}), {}),
    ]
    assert serving_violations(history) == []
    assert serving_violations(history[:2]) != []  # emptied, and nothing went: downtime


# -- request-response logging at CreateEndpoint ---------------------------------------------------
def logged_endpoint(uri: str, network: str = "") -> Endpoint:
    return Endpoint(
        display_name="e",
        network=network,
        predict_request_response_logging_config=PredictRequestResponseLoggingConfig(
            enabled=True, sampling_rate=1.0, bigquery_destination=BigQueryDestination(output_uri=uri)
        ),
    )


def create(clients: VertexClients, endpoint: Endpoint, endpoint_id: str) -> Any:
    service = clients.endpoint_service("us-central1")
    return clients.wait(service.create_endpoint(parent=LOCATION, endpoint=endpoint, endpoint_id=endpoint_id))


def test_a_log_table_that_exists_is_refused(vertex: FakeVertex, clients: VertexClients) -> None:
    """io.proto BigQueryDestination: with a full table reference "table must not exist"; Vertex creates it."""
    vertex.bigquery_datasets.add("acme-ml-dev.serving_logs")
    create(clients, logged_endpoint("bq://acme-ml-dev.serving_logs.churn"), "333333333")
    assert "acme-ml-dev.serving_logs.churn" in vertex.bigquery_tables
    with pytest.raises(FailedPrecondition, match="already exists"):
        create(clients, logged_endpoint("bq://acme-ml-dev.serving_logs.churn"), "444444444")
    create(clients, logged_endpoint("bq://acme-ml-dev.serving_logs.churn_444444444"), "444444444")


def test_a_log_table_needs_its_dataset(vertex: FakeVertex, clients: VertexClients) -> None:
    """io.proto BigQueryDestination: with a full table reference "the Dataset must exist"."""
    with pytest.raises(FailedPrecondition, match="does not exist"):
        create(clients, logged_endpoint("bq://acme-ml-dev.serving_logs.churn"), "333333333")
    create(clients, logged_endpoint("bq://acme-ml-dev"), "333333333")  # a project only: Vertex makes both


def test_logging_is_refused_on_a_peered_endpoint(vertex: FakeVertex, clients: VertexClients) -> None:
    """choose-endpoint-type: request-response logging is not supported on private services access endpoints."""
    peered = logged_endpoint("bq://acme-ml-dev", network="projects/412345678901/global/networks/ml-serving")
    with pytest.raises(InvalidArgument, match="peered"):
        create(clients, peered, "333333333")


def test_an_undeploy_fails_if_the_model_took_traffic_before_it_ran(
    vertex: FakeVertex, clients: VertexClients, endpoints: Any
) -> None:
    """es.proto UndeployModelRequest: undeployed "only if it doesn't have any traffic ... when this method executes"."""
    first = deploy(clients, endpoints, {"0": 100})
    second = deploy(clients, endpoints, {first: 100, "0": 0})
    running = endpoints.undeploy_model(request=UndeployModelRequest(endpoint=ENDPOINT, deployed_model_id=second))
    mask = FieldMask(paths=["traffic_split"])
    endpoints.update_endpoint(endpoint=Endpoint(name=ENDPOINT, traffic_split={first: 50, second: 50}), update_mask=mask)
    with pytest.raises(FailedPrecondition, match="takes traffic"):
        clients.wait(running)
    assert set(vertex.endpoint(ENDPOINT).deployed) == {first, second}
