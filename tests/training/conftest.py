from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.cloud import secretmanager_v1 as v1
from google.cloud.secretmanager_v1.services.secret_manager_service.transports.grpc import (
    SecretManagerServiceGrpcTransport,
)

from tests.training.fake_secret_manager import FakeSecretManager


@pytest.fixture
def secret_manager() -> Iterator[FakeSecretManager]:
    server = FakeSecretManager()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def secrets(secret_manager: FakeSecretManager) -> Iterator[v1.SecretManagerServiceClient]:
    """The real GAPIC client, on a channel to the fake."""
    channel = grpc.insecure_channel(secret_manager.address)
    yield v1.SecretManagerServiceClient(transport=SecretManagerServiceGrpcTransport(channel=channel))
    channel.close()
