from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.cloud import aiplatform_v1 as v1
from google.cloud.aiplatform_v1.services.pipeline_service.transports.grpc import PipelineServiceGrpcTransport

from tests.functions.fake_pipeline_service import FakePipelineService
from tests.providers.grpc_fake import gapic_client, running

PARENT = "projects/acme-ml-dev/locations/us-central1"


@pytest.fixture
def fake() -> Iterator[FakePipelineService]:
    yield from running(FakePipelineService())


@pytest.fixture
def client(fake: FakePipelineService) -> Iterator[v1.PipelineServiceClient]:
    yield from gapic_client(fake, v1.PipelineServiceClient, PipelineServiceGrpcTransport)
