"""The vendored `.proto` files, read as text: every message's fields, with the line each is declared on
and the comment above it. This is what the contracts quote, so it reads the very files they cite.

A small reader, not a protobuf compiler: it knows messages, enums, oneofs and fields (scalar,
message, `repeated`, `map<K, V>`), resolves type names as protoc does (innermost scope first) and
skips services and options. A type outside the vendored files (google.protobuf.Duration, Value,
Struct, ...) is a leaf: its value is judged whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

APIS = Path(__file__).resolve().parents[2] / "apis" / "googleapis"

_FIELD = re.compile(
    r"^\s*(?:(repeated|optional)\s+)?(map\s*<\s*[\w.]+\s*,\s*([\w.]+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(?:\d+\s*(?:[;\[]|$)|$)"
)
_OPEN = re.compile(r"^\s*(message|enum|oneof|service|extend)\s+([\w.]+)\s*\{")
_PACKAGE = re.compile(r"^package\s+([\w.]+)\s*;")


@dataclass(frozen=True)
class Field:
    name: str
    type_name: str  # as written (the map's value type for a map)
    repeated: bool  # `repeated` or a map: a path walks into each element
    is_map: bool
    scope: str  # the message's full name, where the type name is resolved from
    file: str  # relative to apis/, e.g. googleapis/google/monitoring/v3/alert.proto
    line: int  # 1-based line of the declaration
    comment: tuple[tuple[int, str], ...]  # the `//` lines right above it: (line, text without `//`)


@dataclass
class Message:
    full_name: str
    file: str
    fields: dict[str, Field] = field(default_factory=dict)


def _parse(path: Path, messages: dict[str, Message], enums: set[str]) -> None:
    relative = str(path.relative_to(APIS.parent))
    package, scopes, comment = "", list[tuple[str, str]](), list[tuple[int, str]]()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("//"):
            comment.append((number, line[2:].strip()))
            continue
        if match := _PACKAGE.match(line):
            package = match.group(1)
        elif match := _OPEN.match(line):
            kind, name = match.groups()
            messages_in = [s for k, s in scopes if k == "message"]
            parent = messages_in[-1] if messages_in else package
            full = f"{parent}.{name}" if kind in ("message", "enum") else parent
            if kind == "message":
                messages[full] = Message(full, relative)
            elif kind == "enum":
                enums.add(full)
            scopes.append((kind, full))
            if line.endswith("}"):
                scopes.pop()
        elif (match := _FIELD.match(raw)) and scopes and scopes[-1][0] in ("message", "oneof"):
            label, written, map_value, name = match.groups()
            owner = scopes[-1][1]
            messages[owner].fields[name] = Field(
                name=name,
                type_name=map_value or written,
                repeated=label == "repeated" or map_value is not None,
                is_map=map_value is not None,
                scope=owner,
                file=relative,
                line=number,
                comment=tuple(comment),
            )
            if line.endswith("{"):
                scopes.append(("other", ""))
        elif line.endswith("{"):
            scopes.append(("other", ""))
        if line.startswith("}") and scopes:
            scopes.pop()
        comment = []


@dataclass(frozen=True)
class Definitions:
    messages: dict[str, Message]
    enums: frozenset[str]

    def resolve(self, written: str, scope: str) -> str | None:
        """The full name of a message type `written` inside `scope`, or None for scalars, enums and leaves."""
        if written.startswith("."):
            return written[1:] if written[1:] in self.messages else None
        parts = scope.split(".")
        for end in range(len(parts), -1, -1):
            candidate = ".".join([*parts[:end], written])
            if candidate in self.messages:
                return candidate
            if candidate in self.enums:
                return None
        return None

    def field(self, message: str, name: str) -> Field | None:
        return self.messages[message].fields.get(name) if message in self.messages else None

    def at(self, path: str) -> Field:
        """The field a contract path names: `<message full name>.<field>.<field>...`."""
        message = max((m for m in self.messages if path.startswith(m + ".")), key=len)
        current: Field | None = None
        for name in path[len(message) + 1 :].split("."):
            current = self.field(message, name)
            if current is None:
                raise KeyError(f"{path}: {message} has no field {name!r}")
            message = self.resolve(current.type_name, current.scope) or ""
        assert current is not None
        return current


@cache
def definitions() -> Definitions:
    messages: dict[str, Message] = {}
    enums: set[str] = set()
    for path in sorted(APIS.rglob("*.proto")):
        _parse(path, messages, enums)
    return Definitions(messages, frozenset(enums))


@cache
def source_lines(file: str) -> tuple[str, ...]:
    return tuple((APIS.parent / file).read_text(encoding="utf-8").splitlines())


def comment_from(file: str, line: int) -> tuple[str, str, int]:
    """The `//` comment block read from `line` down: (the words on `line` itself, all the block's words
    joined by single spaces, the line after the block). Blank comment lines add no words."""
    lines = source_lines(file)
    words: list[str] = []
    number = line
    while number <= len(lines) and lines[number - 1].strip().startswith("//"):
        text = lines[number - 1].strip()[2:].strip()
        if text:
            words.append(text)
        number += 1
    cited = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return (cited[2:].strip() if cited.startswith("//") else "", " ".join(words), number)


RULE_WORDS = (
    "must", "only", "at most", "maximum", "between", "characters", "cannot", "not allowed", "required",
    "regular expression", "greater", "less than", "supported", "up to", "limit", "no more than", "at least",
    "valid", "should", "format", "range", "[a-z", "lowercase", "unique",
)  # fmt: skip


def draft_quote(field: Field) -> tuple[int, str]:
    """A first draft of an entry's quote: the sentence of the field's comment that states a rule
    (the first line with a rule word), else its first sentence. Drafts are reviewed before committing."""
    lines = [(n, t) for n, t in field.comment if t]
    if not lines:
        return field.line, ""
    start = next((n for n, t in lines if any(w in t.lower() for w in RULE_WORDS)), lines[0][0])
    _, joined, _ = comment_from(field.file, start)
    end = next(
        (i + 1 for i in range(len(joined)) if joined[i] == "." and (i + 1 == len(joined) or joined[i + 1] == " ")),
        len(joined),
    )
    return start, joined[: max(end, min(len(joined), 1))]
