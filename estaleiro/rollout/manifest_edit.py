"""Round-trip edits of a model manifest: comments, key order and quoting stay as people wrote them.

ruamel.yaml keeps the whole comment lines between two entries on the last scalar of the
first, so a plain insert or delete would move comments away from the text they describe.
The helpers here read the lines directly above an entry as that entry's own (they leave
with it) and the lines after a mapping's last entry as the mapping's (a `# split` line
above `traffic:` stays there); every other line of the file comes out byte for byte.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

SCHEMA_COMMENT = "# yaml-language-server:"


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
    _append(document["versions"], version, CommentedMap(spec))


def set_traffic(document: CommentedMap, split: Mapping[str, int]) -> None:
    """Replace the split in place (keeping the block's position and comments), zero shares omitted."""
    traffic: CommentedMap = document["traffic"]
    for version, percent in split.items():
        if percent == 0:
            continue
        if version in traffic:
            traffic[version] = percent
        else:
            _append(traffic, version, percent)
    for version in [v for v in traffic if split.get(v, 0) == 0]:
        _delete(document, "traffic", version)


def retire_all_but(document: CommentedMap, keep: str) -> list[str]:
    """Remove every other version from `versions` and `traffic`; returns what was retired."""
    retired = [v for v in document["versions"] if v != keep]
    for version in retired:
        _delete(document, "versions", version)
    set_traffic(document, {keep: 100})
    return retired


def new_manifest(upstream: CommentedMap, version: str, note: str) -> CommentedMap:
    """A model's first manifest in a stack: the upstream's, serving only `version`.

    The upstream's header comments describe the upstream stack, so only the schema line is
    kept and `note` (one line) says where the file came from.
    """
    document = load(dump(upstream))
    retire_all_but(document, version)
    header = document.ca.comment[1] if document.ca.comment else None
    kept = [token for token in header or [] if token.value.startswith(SCHEMA_COMMENT)]
    document.ca.comment = [None, [*kept, CommentToken(f"# {note}\n", CommentMark(0))]]
    return document


def _append(mapping: CommentedMap, key: str, value: Any) -> None:
    """Add `key` last; the lines that closed the mapping still close it."""
    closing = _take_following(_after(mapping, list(mapping)[-1])) if mapping else ""
    mapping[key] = value
    _give_following(_after(mapping, key), closing)


def _delete(parent: CommentedMap, name: str, key: str) -> None:
    """Remove entry `key` of `parent[name]` and the comment lines above it; the lines below it stay."""
    mapping: CommentedMap = parent[name]
    keys = list(mapping)
    position = keys.index(key)
    below = _take_following(_after(mapping, key))
    if position > 0:
        above = _after(mapping, keys[position - 1])
    else:
        above = parent.ca.items.setdefault(name, [None, None, None, None])
        above[3] = None
    _take_following(above)
    _give_following(above, below)
    del mapping[key]


def _after(mapping: CommentedMap, key: str) -> list[Any]:
    """The comment slots of the last scalar under `mapping[key]`, where ruamel keeps the lines after it."""
    value = mapping[key]
    while isinstance(value, CommentedMap) and value and not value.fa.flow_style():
        mapping, key = value, list(value)[-1]
        value = mapping[key]
    slots: list[Any] = mapping.ca.items.setdefault(key, [None, None, None, None])
    return slots


def _take_following(slots: list[Any]) -> str:
    """Detach the whole lines (comments, blanks) held in `slots`; an end-of-line comment stays."""
    token = slots[2]
    if token is None:
        return ""
    end_of_line, _, following = token.value.partition("\n")
    if end_of_line:
        token.value = end_of_line + "\n"
    else:
        slots[2] = None
    return str(following)


def _give_following(slots: list[Any], following: str) -> None:
    if not following:
        return
    if slots[2] is None:
        slots[2] = CommentToken("\n" + following, CommentMark(0))
    else:
        slots[2].value += following
