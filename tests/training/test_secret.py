"""The GitHub token read from Secret Manager by the propose step's cloud path, against the fake."""

from __future__ import annotations

import pytest
from google.cloud import secretmanager_v1 as v1

from estaleiro.errors import EstaleiroError
from estaleiro.training.propose import _secret
from tests.training.fake_secret_manager import FakeSecretManager, State, Version

LATEST = "projects/acme-ml-dev/secrets/github-token/versions/latest"


def test_the_token_is_the_latest_versions_data(
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient
) -> None:
    secret_manager.add("acme-ml-dev", "github-token", Version(b"ghp_old"), Version("ghp_new✓".encode()))
    assert _secret("acme-ml-dev", "github-token", secrets) == "ghp_new✓"


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        (lambda fake: None, f"{LATEST}: reading the GitHub token failed (NOT_FOUND): "),
        (
            lambda fake: fake.add("acme-ml-dev", "github-token", Version(b"x", State.DISABLED)),
            f"{LATEST}: reading the GitHub token failed (FAILED_PRECONDITION): Secret Version "
            "[projects/acme-ml-dev/secrets/github-token/versions/1] is in DISABLED state.",
        ),
        (
            lambda fake: fake.add("acme-ml-dev", "github-token", Version(b"x"), Version(b"", State.DESTROYED)),
            f"{LATEST}: reading the GitHub token failed (FAILED_PRECONDITION): Secret Version "
            "[projects/acme-ml-dev/secrets/github-token/versions/2] is in DESTROYED state.",
        ),
        (
            lambda fake: (
                fake.add("acme-ml-dev", "github-token", Version(b"x")),
                fake.denied.add(LATEST.rsplit("/versions", 1)[0]),
            ),
            f"{LATEST}: reading the GitHub token failed (PERMISSION_DENIED): "
            "Permission 'secretmanager.versions.access'",
        ),
        (
            lambda fake: fake.add("acme-ml-dev", "github-token", Version(b"ghp_token", crc32c=12345)),
            f"{LATEST}: the data does not match its CRC32C checksum (corrupted in transit): not used",
        ),
    ],
    ids=["missing", "disabled", "destroyed", "denied", "corrupted"],
)
def test_a_token_that_cannot_be_read_is_one_line_naming_the_secret(
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient, setup, said: str
) -> None:
    setup(secret_manager)
    with pytest.raises(EstaleiroError) as caught:
        _secret("acme-ml-dev", "github-token", secrets)
    assert str(caught.value).startswith(said) and "\n" not in str(caught.value)
