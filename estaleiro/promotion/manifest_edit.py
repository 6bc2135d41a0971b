"""Round-trip edits of a model manifest: comments, key order and quoting stay as people wrote them."""

from __future__ import annotations

import io
from collections.abc import Mapping

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def load(text: str) -> CommentedMap:
    document = _yaml().load(text)
    if not isinstance(document, CommentedMap):
        raise ValueError("a manifest is a mapping")
    return document


def dump(document: CommentedMap) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def add_version(document: CommentedMap, version: str, spec: Mapping[str, str]) -> None:
    document["versions"][version] = CommentedMap(spec)


def set_traffic(document: CommentedMap, split: Mapping[str, int]) -> None:
    """Replace the split in place (keeping the block's position and comments), zero shares omitted."""
    traffic: CommentedMap = document["traffic"]
    for version in list(traffic):
        if split.get(version, 0) == 0:
            del traffic[version]
    for version, percent in split.items():
        if percent > 0:
            traffic[version] = percent


def retire_all_but(document: CommentedMap, keep: str) -> list[str]:
    """Remove every other version from `versions` and `traffic`; returns what was retired."""
    retired = [v for v in document["versions"] if v != keep]
    for version in retired:
        del document["versions"][version]
    set_traffic(document, {keep: 100})
    return retired


def new_manifest(upstream: CommentedMap, version: str) -> CommentedMap:
    """A model's first manifest in a stack: the upstream's, serving only `version`."""
    document = load(dump(upstream))
    retire_all_but(document, version)
    return document
