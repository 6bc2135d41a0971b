"""A provider pickles to the same bytes every time, through Pulumi's sorting wrapper installed once, not n times."""

from __future__ import annotations

import pickle

from pulumi.dynamic import dynamic

from components.providers import pickling
from components.providers.endpoint_deployment import EndpointDeploymentProvider


def test_the_pickler_is_left_as_it_was_found() -> None:
    assert dynamic.serialize_provider is pickling.serialize_provider
    provider = EndpointDeploymentProvider()
    before = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    blobs = {pickling.serialize_provider(provider) for _ in range(50)}
    assert len(blobs) == 1
    assert pickle._Pickler._batch_setitems is before  # type: ignore[attr-defined]


def test_the_same_bytes_as_pulumi_alone() -> None:
    provider = EndpointDeploymentProvider()
    assert pickling.serialize_provider(provider) == pickling._serialize_provider(provider)
