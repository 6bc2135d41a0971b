from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.cloud import secretmanager_v1 as v1
from google.cloud.secretmanager_v1.services.secret_manager_service.transports.grpc import (
    SecretManagerServiceGrpcTransport,
)

from tests.providers.grpc_fake import gapic_client, running
from tests.training.fake_secret_manager import FakeSecretManager


@pytest.fixture
def secret_manager() -> Iterator[FakeSecretManager]:
    yield from running(FakeSecretManager())


@pytest.fixture
def secrets(secret_manager: FakeSecretManager) -> Iterator[v1.SecretManagerServiceClient]:
    yield from gapic_client(secret_manager, v1.SecretManagerServiceClient, SecretManagerServiceGrpcTransport)
