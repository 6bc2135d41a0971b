from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from components.providers.vertex_clients import VertexClients
from tests.providers.fake_vertex import FakeVertex

PROJECT, REGION = "acme-ml-dev", "us-central1"
LOCATION = f"projects/{PROJECT}/locations/{REGION}"
ENDPOINT = f"{LOCATION}/endpoints/5440607907"


@pytest.fixture
def vertex() -> Iterator[FakeVertex]:
    fake = FakeVertex()
    fake.start()
    fake.add_endpoint(ENDPOINT)
    yield fake
    fake.stop()


@pytest.fixture
def clients(vertex: FakeVertex) -> VertexClients:
    """Real GAPIC clients on a channel to the fake, with backoff short enough for tests."""
    return VertexClients(
        channel=lambda: grpc.insecure_channel(vertex.address),
        initial_delay=0.01,
        max_delay=0.05,
        retry_deadline=1.0,
        operation_timeout=10.0,
    )
