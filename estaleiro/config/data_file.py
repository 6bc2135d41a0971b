"""The one reader of data files (stacks, manifests, cards, exceptions): UTF-8 text, one YAML document, plain data.

YAML can say more than a data file should: anchors and aliases (one alias bomb expands to
gigabytes), merge keys (`<<`), duplicate keys (YAML keeps the last one, silently), nesting deep enough to
exhaust the parser's stack, and implicit timestamps that crash on `2024-02-30`. Each is
refused here with the file, the line and what to write instead; dates stay strings for the
typed models to parse and judge. Only regular files are opened: a FIFO would wait forever for a
writer, a device would never end.

libyaml composes (ten times faster than PyYAML's pure-Python parser) every file whose text it
reads exactly as the pure-Python loader does; anything else, and every file with a problem, goes
through the pure-Python loader, whose messages and line numbers are the ones users see.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, NodeEvent

from estaleiro.errors import InvalidInput, Problem

MAX_BYTES = 1 << 20  # a manifest is a few kB; a megabyte is a mistake, not a model
MAX_DEPTH = 32  # our deepest format nests five levels
TIMESTAMP = "tag:yaml.org,2002:timestamp"
MERGE = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Document:
    """A file's data, and the line each key path (dotted, as problems spell it) starts on."""

    data: Any
    lines: Mapping[str, int]


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a data file may not use."""


_RESOLVERS = {
    first: [(tag, regex) for tag, regex in resolvers if tag != TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _DataLoader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, unbounded nesting or implicit timestamps."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.yaml_implicit_resolvers = _RESOLVERS
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor is not None):
            raise _Refused(
                problem="anchors and aliases (&name, *name, <<) are not allowed in data files; write the values out",
                problem_mark=mark,
            )
        if self.depth >= MAX_DEPTH:
            raise _Refused(problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# Where libyaml reads differently from PyYAML's pure-Python loader (found by fuzzing both): anchors it
# cannot show us, tabs as separators, `?` and `!` in plain scalars, other line breaks, a late byte-order
# mark, a comment right after a block scalar's header. Such a text takes the pure-Python loader.
_CAREFUL = re.compile(r"[&\t?!\x85\u2028\u2029]|.\ufeff|[|>][-+0-9]*#", re.DOTALL)


class _TooDeep(Exception):
    """libyaml met nesting past the bound; the pure-Python loader words it."""


LIBYAML = yaml.__with_libyaml__  # PyYAML's wheels bundle libyaml; a build without it reads every file carefully


class _FastLoader(yaml.CSafeLoader if LIBYAML else yaml.SafeLoader):  # type: ignore[misc]
    """libyaml's parser and composer with `_DataLoader`'s resolvers, bounded before each node it descends into."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.yaml_implicit_resolvers = _RESOLVERS
        self.depth = 0

    def descend_resolver(self, current_node: yaml.Node | None, current_index: object) -> None:
        if self.depth >= MAX_DEPTH:
            raise _TooDeep
        self.depth += 1

    def ascend_resolver(self) -> None:
        self.depth -= 1


def _compose(text: str) -> tuple[yaml.Node | None, yaml.constructor.SafeConstructor]:
    """The document's node graph, and the loader that composed it (it constructs the data too)."""
    if LIBYAML and not _CAREFUL.search(text) and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        fast = _FastLoader(text)
        try:
            return fast.get_single_node(), fast
        except (yaml.YAMLError, _TooDeep):
            pass  # the pure-Python loader below refuses it with the message this module has always given
    loader = _DataLoader(text)
    try:
        return loader.get_single_node(), loader
    finally:
        loader.dispose()


def read_document(path: Path, display: str) -> Document:
    """Read, decode and parse one file; every way it can be wrong is one `InvalidInput` line."""
    return parse_document(_text(path, display), display)


def parse_document(text: str, display: str) -> Document:
    """Parse one data file's text (a file, or its content at a commit) as `read_document` does."""
    try:
        node, loader = _compose(text)
        lines = _index(node, display)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        raise InvalidInput([_yaml_problem(err, display)]) from err
    except ValueError as err:  # a value PyYAML matched but Python refused, e.g. an int of 5000 digits
        raise InvalidInput([Problem(display, "", f"unreadable value: {err}")]) from err
    return Document(data, lines)


def _text(path: Path, display: str) -> str:
    """The file's bytes, decoded; only a regular file is read (opening without blocking: a FIFO waits for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                message = "not a regular file (a FIFO, a device or a socket); data files are files"
                raise InvalidInput([Problem(display, "", message)])
            if info.st_size > MAX_BYTES:
                raise InvalidInput([Problem(display, "", f"larger than {MAX_BYTES // 1024} KiB: not a data file")])
            raw = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise InvalidInput([Problem(display, "", f"cannot read: {err.strerror}")]) from err
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[err.start]:02x}); save the file as UTF-8"
        raise InvalidInput([Problem(display, "", message, line)]) from err


def _yaml_problem(err: yaml.YAMLError, display: str) -> Problem:
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = ", ".join(part for part in (err.context, err.problem) if part)
        return Problem(display, where, reason if isinstance(err, _Refused) else f"malformed YAML: {reason}")
    if isinstance(err, yaml.reader.ReaderError):
        return Problem(display, f"character {err.position + 1}", f"malformed YAML: {err.reason}")
    return Problem(display, "", f"malformed YAML: {str(err).splitlines()[0]}")


def _index(node: yaml.Node | None, display: str, prefix: str = "") -> dict[str, int]:
    """Key path -> line; a key written twice in one mapping is refused with both lines."""
    index: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode):
                if key.tag == MERGE:  # `<<: {...}` needs no alias, and would hide a second value for a key
                    message = "merge keys (<<) are not allowed in data files; write the keys out"
                    raise InvalidInput([Problem(display, path, message, line)])
                if (key.tag, key.value) in seen:
                    first = seen[key.tag, key.value]
                    message = f"key written twice (lines {first} and {line}); YAML would keep only the last: remove one"
                    raise InvalidInput([Problem(display, path, message, line)])
                seen[key.tag, key.value] = line
            index[path] = line
            index.update(_index(value, display, path))
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            path = f"{prefix}.{position}" if prefix else str(position)
            index[path] = item.start_mark.line + 1
            index.update(_index(item, display, path))
    return index
