from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.cloud import aiplatform_v1 as v1
from google.cloud.aiplatform_v1.services.pipeline_service.transports.grpc import PipelineServiceGrpcTransport

from tests.functions.fake_pipeline_service import FakePipelineService

PARENT = "projects/acme-ml-dev/locations/us-central1"


@pytest.fixture
def fake() -> Iterator[FakePipelineService]:
    server = FakePipelineService()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(fake: FakePipelineService) -> Iterator[v1.PipelineServiceClient]:
    """The real GAPIC client, on a channel to the fake."""
    channel = grpc.insecure_channel(fake.address)
    yield v1.PipelineServiceClient(transport=PipelineServiceGrpcTransport(channel=channel))
    channel.close()
