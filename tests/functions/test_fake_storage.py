"""The Cloud Storage fake's rules, each from https://cloud.google.com/storage/docs/json_api/v1/objects/get,
exercised through the real google-cloud-storage client."""

from __future__ import annotations

import pytest
from google.api_core.exceptions import NotFound
from google.cloud import storage

from tests.functions.fake_storage import FakeStorage

BUCKET, NAME = "acme-ml-dev-models", "functions/retrain-config.json"


def test_generation_selects_that_version_and_its_absence_the_latest(
    storage_fake: FakeStorage, storage_client: storage.Client
) -> None:
    first = storage_fake.put(BUCKET, NAME, b"one")
    storage_fake.put(BUCKET, NAME, b"two")
    bucket = storage_client.bucket(BUCKET)
    assert bucket.blob(NAME, generation=first).download_as_bytes() == b"one"
    assert bucket.blob(NAME).download_as_bytes() == b"two"


def test_a_missing_object_or_generation_is_404(storage_fake: FakeStorage, storage_client: storage.Client) -> None:
    generation = storage_fake.put(BUCKET, NAME, b"one")
    with pytest.raises(NotFound):
        storage_client.bucket(BUCKET).blob("functions/other.json").download_as_bytes()
    with pytest.raises(NotFound):
        storage_client.bucket(BUCKET).blob(NAME, generation=generation + 1).download_as_bytes()


def test_without_alt_media_it_answers_metadata(storage_fake: FakeStorage, storage_client: storage.Client) -> None:
    storage_fake.put(BUCKET, NAME, b"four")
    blob = storage_client.bucket(BUCKET).get_blob(NAME)
    assert blob is not None and (blob.name, blob.size) == (NAME, 4)
    assert all("alt=media" not in r for r in storage_fake.requests)
