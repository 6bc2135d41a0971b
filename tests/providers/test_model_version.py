from __future__ import annotations

import subprocess
import sys

import dill
import grpc
import pytest
from google.api_core.exceptions import GoogleAPICallError

from components.providers.model_version import ModelVersionProvider
from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import LOCATION, PROJECT, REGION
from tests.providers.fake_vertex import FakeVertex

MODEL = f"{LOCATION}/models/acme-ml-dev-churn"


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
    return {**base, **changes}


def test_first_version_creates_the_model_then_versions_join_it(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    first = provider.create(props("v6"))
    second = provider.create(props("v7"))
    assert (first.id, second.id) == (f"{MODEL}@1", f"{MODEL}@2")
    assert second.outs["versioned_name"] == f"{MODEL}@2" and second.outs["version_id"] == "2"
    stored = vertex.versions[MODEL]
    assert [m.version_aliases[0] for m in stored] == ["v6", "v7"]
    assert stored[1].labels == {"env": "dev", "card": "churn-v7", "version": "v7"}
    assert stored[1].encryption_spec.kms_key_name.endswith("cryptoKeys/vertex")
    assert stored[1].container_spec.image_uri.endswith("xgboost-cpu.2-1:latest")


def test_an_existing_version_is_adopted_never_uploaded_twice(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    provider.create(props("v6"))
    again = provider.create(props("v6"))
    assert again.id == f"{MODEL}@1"
    assert vertex.calls.count("UploadModel") == 1 and len(vertex.versions[MODEL]) == 1


def test_upload_survives_transient_errors(vertex: FakeVertex, clients: VertexClients) -> None:
    vertex.fail("UploadModel", grpc.StatusCode.UNAVAILABLE, times=2)
    vertex.fail("GetModel", grpc.StatusCode.DEADLINE_EXCEEDED, times=1)
    result = ModelVersionProvider(clients).create(props("v6"))
    assert result.id == f"{MODEL}@1" and vertex.calls.count("UploadModel") == 3


def test_a_failed_upload_raises_and_a_rerun_converges(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    vertex.fail_operation("UploadModel")
    with pytest.raises(GoogleAPICallError):
        provider.create(props("v6"))
    assert MODEL not in vertex.versions
    assert provider.create(props("v6")).id == f"{MODEL}@1"


def test_diff_replaces_on_artifact_and_updates_labels_in_place() -> None:
    provider = ModelVersionProvider()
    moved = provider.diff("id", props(), props(artifact_uri="gs://acme-ml-dev-models/churn/v6b/"))
    assert moved.changes and moved.replaces == ["artifact_uri"]
    relabelled = provider.diff("id", props(), props(labels={"env": "dev", "card": "churn-v6", "x": "y"}))
    assert relabelled.changes and relabelled.replaces == []
    assert not provider.diff("id", props(), props()).changes


def test_update_changes_labels_through_a_field_mask(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    created = provider.create(props("v6"))
    provider.update(created.id, props(), props(labels={"env": "dev", "card": "churn-v6", "reviewed": "yes"}))
    assert vertex.versions[MODEL][0].labels["reviewed"] == "yes"
    assert vertex.versions[MODEL][0].artifact_uri == "gs://acme-ml-dev-models/churn/v6/"


def test_delete_removes_the_version_and_the_model_with_its_last(vertex: FakeVertex, clients: VertexClients) -> None:
    provider = ModelVersionProvider(clients)
    v6, v7 = provider.create(props("v6")), provider.create(props("v7"))
    provider.delete(v6.id, props("v6"))
    assert [m.version_aliases[0] for m in vertex.versions[MODEL]] == ["v7"]
    provider.delete(v7.id, props("v7"))
    assert MODEL not in vertex.versions
    provider.delete(v7.id, props("v7"))  # already gone: nothing to do


def test_provider_pickles_for_pulumi() -> None:
    restored = dill.loads(dill.dumps(ModelVersionProvider(), recurse=True))
    assert isinstance(restored.clients, VertexClients) and restored.clients.channel is None


def test_importing_the_providers_does_not_import_aiplatform() -> None:
    probe = (
        "import sys, components.providers.model_version, components.providers.endpoint_deployment, "
        "components.platform; print(any(m.startswith('google.cloud.aiplatform') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"
