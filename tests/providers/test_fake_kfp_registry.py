"""The fake registry's own rules, each as Artifact Registry documents it, through kfp's real client."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from kfp.registry import RegistryClient

from tests.providers.fake_kfp_registry import FakeKfpRegistry

SPEC = "pipelineInfo:\n  name: continuous-training\nroot: {}\n"


@pytest.fixture
def fake() -> Iterator[FakeKfpRegistry]:
    with FakeKfpRegistry() as registry:
        yield registry


def _upload(client: RegistryClient, tmp_path: Path, text: str, tags: list[str] | None = None) -> tuple[str, str]:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return client.upload_pipeline(str(path), tags=tags)


def test_a_version_is_the_content_digest_and_the_package_the_pipeline_name(
    fake: FakeKfpRegistry, tmp_path: Path
) -> None:
    package, version = _upload(RegistryClient(host=fake.host), tmp_path, SPEC)
    assert (package, version) == ("continuous-training", "sha256:" + hashlib.sha256(SPEC.encode()).hexdigest())


def test_upload_tags_and_moves_existing_tags(fake: FakeKfpRegistry, tmp_path: Path) -> None:
    client = RegistryClient(host=fake.host)
    _, first = _upload(client, tmp_path, SPEC, ["latest"])
    _, second = _upload(client, tmp_path, SPEC + "# changed\n", ["latest"])
    assert first != second
    assert client.get_tag("continuous-training", "latest")["version"].endswith(second)


def test_creating_a_tag_that_exists_is_already_exists(fake: FakeKfpRegistry, tmp_path: Path) -> None:
    client = RegistryClient(host=fake.host)
    _, version = _upload(client, tmp_path, SPEC, ["dev"])
    with pytest.raises(requests.HTTPError) as err:
        client.create_tag("continuous-training", version, "dev")
    assert err.value.response.status_code == 409


def test_missing_versions_and_tags_are_not_found(fake: FakeKfpRegistry) -> None:
    client = RegistryClient(host=fake.host)
    for call in (
        lambda: client.get_version("continuous-training", "sha256:" + "0" * 64),
        lambda: client.get_tag("continuous-training", "dev"),
    ):
        with pytest.raises(requests.HTTPError) as err:
            call()
        assert err.value.response.status_code == 404


def test_update_tag_moves_it_to_another_version(fake: FakeKfpRegistry, tmp_path: Path) -> None:
    client = RegistryClient(host=fake.host)
    _, first = _upload(client, tmp_path, SPEC, ["dev"])
    _, second = _upload(client, tmp_path, SPEC + "# b\n")
    client.update_tag("continuous-training", second, "dev")
    assert client.get_tag("continuous-training", "dev")["version"].endswith(second)
    assert client.get_version("continuous-training", first)["name"].endswith(first)
