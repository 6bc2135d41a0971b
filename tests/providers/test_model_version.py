from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import dill
import grpc
import pytest
from google.api_core.exceptions import GoogleAPICallError, NotFound
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.model_version import ModelVersionProvider
from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import LOCATION, PROJECT, PROJECT_NUMBER, REGION, as_pulumi_sends
from tests.providers.fake_vertex import FakeVertex

MODEL = f"{LOCATION}/models/acme-ml-dev-churn"
NAMED = f"projects/{PROJECT_NUMBER}/locations/{REGION}/models/acme-ml-dev-churn"  # as Vertex answers
REPO = Path(__file__).resolve().parents[2]


def props(version: str = "v6", **changes: object) -> dict[str, object]:
    base = {
        "project": PROJECT,
        "region": REGION,
        "model_id": "acme-ml-dev-churn",
        "display_name": "Customer churn classifier",
        "version": version,
        "artifact_uri": f"gs://acme-ml-dev-models/churn/{version}/",
        "serving_image": "us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1:latest",
        "labels": {"env": "dev", "card": f"churn-{version}"},
        "description": "churn",
        "encryption_key": f"{LOCATION}/keyRings/dev-keys/cryptoKeys/vertex",
    }
    return as_pulumi_sends({**base, **changes})


def test_first_version_creates_the_model_then_versions_join_it(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    first = provider.create(props("v6"))
    second = provider.create(props("v7"))
    assert (first.id, second.id) == (f"{NAMED}@1", f"{NAMED}@2")
    assert second.outs is not None
    assert (second.outs["versioned_name"], second.outs["version_id"]) == (f"{NAMED}@2", "2")
    stored = vertex.model_versions(MODEL)
    assert [m.version_aliases[0] for m in stored] == ["v6", "v7"]
    assert stored[1].labels == {"env": "dev", "card": "churn-v7", "version": "v7", "uploaded-by": "estaleiro"}
    assert stored[1].encryption_spec.kms_key_name.endswith("cryptoKeys/vertex")
    assert stored[1].container_spec.image_uri.endswith("xgboost-cpu.2-1:latest")


def test_an_existing_version_is_adopted_never_uploaded_twice(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    provider.create(props("v6"))
    again = provider.create(props("v6"))
    assert again.id == f"{NAMED}@1"
    assert vertex.calls.count("UploadModel") == 1 and len(vertex.model_versions(MODEL)) == 1


def test_upload_survives_transient_errors(vertex: FakeVertex, clients: VertexClients) -> None:
    vertex.fail("UploadModel", grpc.StatusCode.UNAVAILABLE, times=2)
    vertex.fail("GetModel", grpc.StatusCode.DEADLINE_EXCEEDED, times=1)
    result = ModelVersionProvider(clients).create(props("v6"))
    assert result.id == f"{NAMED}@1" and vertex.calls.count("UploadModel") == 3


def test_a_failed_upload_raises_and_a_rerun_converges(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    vertex.fail_operation("UploadModel")
    with pytest.raises(GoogleAPICallError):
        provider.create(props("v6"))
    assert vertex.model_versions(MODEL) == []
    assert provider.create(props("v6")).id == f"{NAMED}@1"


def test_diff_replaces_on_artifact_and_updates_labels_in_place() -> None:
    provider = ModelVersionProvider()
    moved = provider.diff("id", props(), props(artifact_uri="gs://acme-ml-dev-models/churn/v6b/"))
    assert moved.changes and moved.replaces == ["artifact_uri"]
    relabelled = provider.diff("id", props(), props(labels={"env": "dev", "card": "churn-v6", "x": "y"}))
    assert relabelled.changes and relabelled.replaces == []
    assert not provider.diff("id", props(), props()).changes


def test_a_new_artifact_under_the_same_key_is_a_new_version_that_takes_the_alias(
    vertex: FakeVertex, clients: VertexClients
) -> None:
    provider = ModelVersionProvider(clients)
    old = provider.create(props("v6"))
    new = provider.create(props("v6", artifact_uri="gs://acme-ml-dev-models/churn/v6-retrained/"))
    assert (old.id, new.id) == (f"{NAMED}@1", f"{NAMED}@2")
    assert (
        vertex.model_versions(MODEL)[1].version_aliases == ["v6"]
        and "v6" not in vertex.model_versions(MODEL)[0].version_aliases
    )
    provider.delete(old.id, props("v6"))  # Pulumi deletes the replaced version last
    assert [m.artifact_uri for m in vertex.model_versions(MODEL)] == ["gs://acme-ml-dev-models/churn/v6-retrained/"]
    assert vertex.model_versions(MODEL)[0].version_aliases == ["v6", "default"]


def test_labels_update_the_version_and_the_display_name_updates_the_model(
    vertex: FakeVertex, clients: VertexClients
) -> None:
    provider = ModelVersionProvider(clients)
    v6, _ = provider.create(props("v6")), provider.create(props("v7"))
    relabelled = props("v6", labels={"env": "dev", "card": "churn-v6", "reviewed": "yes"})
    vertex.calls.clear()
    provider.update(v6.id, props("v6"), relabelled)
    assert vertex.mutating_calls() == ["UpdateModel"]
    first, second = vertex.model_versions(MODEL)
    assert first.labels == {
        "env": "dev",
        "card": "churn-v6",
        "reviewed": "yes",
        "version": "v6",
        "uploaded-by": "estaleiro",
    }
    assert "reviewed" not in second.labels and first.artifact_uri == "gs://acme-ml-dev-models/churn/v6/"
    provider.update(v6.id, relabelled, {**relabelled, "display_name": "Churn"})
    assert [m.display_name for m in vertex.model_versions(MODEL)] == ["Churn", "Churn"]


def test_delete_removes_the_version_and_the_model_with_its_last(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    v6, v7 = provider.create(props("v6")), provider.create(props("v7"))
    provider.delete(v6.id, props("v6"))
    assert [m.version_aliases for m in vertex.model_versions(MODEL)] == [["v7", "default"]]
    provider.delete(v7.id, props("v7"))
    assert vertex.model_versions(MODEL) == []
    provider.delete(v7.id, props("v7"))  # already gone: nothing to do


def test_provider_pickles_the_way_pulumi_stores_it() -> None:
    restored = dill.loads(base64.b64decode(serialize_provider(ModelVersionProvider())))
    assert isinstance(restored, ModelVersionProvider) and restored.clients == VertexClients()


def test_importing_the_providers_does_not_import_aiplatform() -> None:
    """The offline plan imports these modules; aiplatform costs seconds and must wait for a provider call."""
    probe = (
        "import sys, components.providers, components.providers.model_version, "
        "components.providers.endpoint_deployment, components.providers.vertex_clients; "
        "print(sorted(m for m in sys.modules if m.startswith('google.cloud.aiplatform')))"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=REPO, check=True, capture_output=True, text=True)
    assert run.stdout.strip() == "[]"


def upload_by_hand(clients: VertexClients, alias: str, **labels: str) -> str:
    """Someone uploads a version of the same model from the console, with the alias and labels they choose."""
    from google.cloud.aiplatform_v1 import Model, ModelContainerSpec, UploadModelRequest

    wanted = props(alias)
    model = Model(
        display_name="by hand",
        artifact_uri=str(wanted["artifact_uri"]),
        container_spec=ModelContainerSpec(image_uri=str(wanted["serving_image"])),
        version_aliases=[alias],
        labels=labels,
        encryption_spec={"kms_key_name": str(wanted["encryption_key"])},
    )
    service = clients.model_service(REGION)
    try:
        service.get_model(name=MODEL)
        placement = {"parent_model": MODEL}
    except NotFound:
        placement = {"model_id": "acme-ml-dev-churn"}
    request = UploadModelRequest(parent=LOCATION, model=model, **placement)
    response = clients.wait(service.upload_model(request=request))
    return f"{response.model}@{response.model_version_id}"


@pytest.mark.parametrize("labels", [{}, {"env": "dev", "card": "churn-v7", "version": "v7"}])
def test_a_version_uploaded_by_hand_under_our_key_is_neither_adopted_nor_touched(
    vertex: FakeVertex, clients: VertexClients, labels: dict[str, str]
) -> None:
    """Ours by exact id only: a version holding our key's alias that this provider did not upload is
    refused with a message, never adopted (and later deleted) nor stripped of its alias."""
    provider = ModelVersionProvider(clients)
    provider.create(props("v6"))
    by_hand = upload_by_hand(clients, "v7", **labels)
    with pytest.raises(ValueError, match=r"alias v7 is held by version 2, which this stack did not upload"):
        provider.create(props("v7"))
    [hand] = [m for m in vertex.model_versions(MODEL) if f"{m.name}@{m.version_id}" == by_hand]
    assert hand.version_aliases == ["v7"] and len(vertex.model_versions(MODEL)) == 2


def test_deleting_ours_leaves_a_version_uploaded_by_hand(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    ours = provider.create(props("v6"))
    by_hand = upload_by_hand(clients, "experiment")
    provider.delete(ours.id, props("v6"))
    assert [f"{m.name}@{m.version_id}" for m in vertex.model_versions(MODEL)] == [by_hand]
