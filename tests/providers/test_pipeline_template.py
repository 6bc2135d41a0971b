"""Publishing a compiled pipeline: content-addressed versions, moving tags, idempotent re-publish."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.providers.pipeline_template import PipelineTemplateProvider, digest
from tests.providers.fake_kfp_registry import FakeKfpRegistry

SPEC = "pipelineInfo:\n  name: continuous-training\nroot: {}\n"


@pytest.fixture
def fake() -> Iterator[FakeKfpRegistry]:
    with FakeKfpRegistry() as registry:
        yield registry


def _props(fake: FakeKfpRegistry, template: str = SPEC, tags: tuple[str, ...] = ("dev",)) -> dict[str, Any]:
    return {"host": fake.host, "package": "continuous-training", "template": template, "tags": list(tags)}


def test_publish_uploads_once_and_names_the_version_in_the_template_uri(fake: FakeKfpRegistry) -> None:
    created = PipelineTemplateProvider().create(_props(fake))
    version = digest(SPEC)
    assert created.outs["version"] == version
    assert created.outs["template_uri"] == f"{fake.host}/continuous-training/{version}"
    assert fake.registry.tags["continuous-training"] == {"dev": version}


def test_republishing_the_same_template_changes_nothing(fake: FakeKfpRegistry) -> None:
    provider = PipelineTemplateProvider()
    outs = provider.create(_props(fake)).outs
    before = list(fake.registry.mutations())
    assert provider.update("id", outs, _props(fake)).outs["version"] == outs["version"]
    assert fake.registry.mutations() == before


def test_a_changed_template_is_a_new_version_and_the_tags_follow(fake: FakeKfpRegistry) -> None:
    provider = PipelineTemplateProvider()
    old = provider.create(_props(fake)).outs
    new = provider.update("id", old, _props(fake, SPEC + "# v2\n")).outs
    assert new["version"] != old["version"]
    assert fake.registry.tags["continuous-training"]["dev"] == new["version"]
    assert set(fake.registry.versions["continuous-training"]) == {old["version"], new["version"]}


def test_a_dropped_tag_is_deleted_and_delete_keeps_versions(fake: FakeKfpRegistry) -> None:
    provider = PipelineTemplateProvider()
    old = provider.create(_props(fake, tags=("dev", "latest"))).outs
    new = provider.update("id", old, _props(fake, tags=("dev",))).outs
    assert set(fake.registry.tags["continuous-training"]) == {"dev"}
    provider.delete("id", new)
    assert fake.registry.tags["continuous-training"] == {}
    assert digest(SPEC) in fake.registry.versions["continuous-training"]


def test_refresh_shows_a_tag_moved_by_hand(fake: FakeKfpRegistry) -> None:
    provider = PipelineTemplateProvider()
    outs = provider.create(_props(fake)).outs
    provider.update("id", outs, _props(fake, SPEC + "# elsewhere\n", tags=()))  # a second version, untagged
    fake.registry.tags["continuous-training"]["dev"] = digest(SPEC + "# elsewhere\n")
    assert provider.read("id", outs).outs["tags"] == []


def test_diff_replaces_on_another_registry_and_updates_on_new_content(fake: FakeKfpRegistry) -> None:
    provider = PipelineTemplateProvider()
    olds = {**_props(fake), "version": digest(SPEC)}
    assert not provider.diff("id", olds, _props(fake)).changes
    assert provider.diff("id", olds, _props(fake, SPEC + "#\n")).changes
    moved = provider.diff("id", olds, {**_props(fake), "host": "https://europe-west4-kfp.pkg.dev/p/r"})
    assert moved.replaces == ["host"]
