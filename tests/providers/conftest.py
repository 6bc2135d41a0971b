from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pytest
from pulumi.runtime import rpc

from components.providers.vertex_clients import VertexClients
from tests.providers.fake_model_monitoring import FakeModelMonitoring
from tests.providers.fake_vertex import FakeVertex, serving_violations

PROJECT, PROJECT_NUMBER, REGION = "acme-ml-dev", "123456789012", "us-central1"
LOCATION = f"projects/{PROJECT}/locations/{REGION}"
ENDPOINT = f"{LOCATION}/endpoints/544060790"


def as_pulumi_sends(props: dict[str, Any]) -> dict[str, Any]:
    """Provider inputs as the dynamic provider host receives them: through Pulumi's wire format,
    where every number arrives as a float."""
    received: dict[str, Any] = rpc.deserialize_properties(asyncio.run(rpc.serialize_properties(props, {})))
    return received


@pytest.fixture
def vertex() -> Iterator[FakeVertex]:
    """A fake Vertex with one empty public endpoint; whatever a test did must have kept every
    endpoint that can split traffic serving (a private services access endpoint cannot)."""
    fake = FakeVertex(PROJECT, PROJECT_NUMBER)
    fake.start()
    fake.add_endpoint(ENDPOINT)
    yield fake
    fake.stop()
    for name, state in fake.endpoints.items():
        if not state.private_services_access:
            assert serving_violations(state.history) == [], name


@pytest.fixture
def clients(vertex: FakeVertex) -> Iterator[VertexClients]:
    with clients_of(vertex.address) as clients:
        yield clients


@pytest.fixture
def monitoring() -> Iterator[FakeModelMonitoring]:
    """A fake Model Monitoring v2 of PROJECT, with nothing in it."""
    fake = FakeModelMonitoring(project=PROJECT)
    fake.start()
    yield fake
    fake.stop()


@contextmanager
def clients_of(address: str) -> Iterator[VertexClients]:
    """Real GAPIC clients on channels to the fake at `address`, with backoff short enough for tests."""
    channels: list[grpc.Channel] = []

    def channel() -> grpc.Channel:
        channels.append(grpc.insecure_channel(address))
        return channels[-1]

    yield VertexClients(channel=channel, initial_delay=0.01, max_delay=0.05, retry_deadline=1.0, operation_timeout=10.0)
    for opened in channels:
        opened.close()
