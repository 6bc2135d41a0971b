from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform_v1 as v1
from google.cloud import storage
from google.cloud.aiplatform_v1.services.pipeline_service.transports.grpc import PipelineServiceGrpcTransport

from tests.functions.fake_pipeline_service import FakePipelineService
from tests.functions.fake_storage import FakeStorage, serving
from tests.providers.grpc_fake import gapic_client, running

PARENT = "projects/acme-ml-dev/locations/us-central1"


@pytest.fixture
def fake() -> Iterator[FakePipelineService]:
    yield from running(FakePipelineService())


@pytest.fixture
def client(fake: FakePipelineService) -> Iterator[v1.PipelineServiceClient]:
    yield from gapic_client(fake, v1.PipelineServiceClient, PipelineServiceGrpcTransport)


@pytest.fixture
def storage_fake() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def storage_client(storage_fake: FakeStorage) -> Iterator[storage.Client]:
    """The real google-cloud-storage client, talking to the fake over HTTP."""
    with serving(storage_fake) as endpoint:
        yield storage.Client(
            project="acme-ml-dev", credentials=AnonymousCredentials(), client_options={"api_endpoint": endpoint}
        )
