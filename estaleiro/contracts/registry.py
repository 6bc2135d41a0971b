"""The contracts: for every field path the project sends, the rule Google's API definition states
for it (quoted verbatim, with file and line under apis/) and the check of a value.

The entries are data, one YAML file per API family beside this module, read through the project's
one data-file reader. Paths are `<message full name>.<field>.<field>...`, as the vendored `.proto`
files spell them; a map or a repeated field is one path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from estaleiro.config.data_file import read_document
from estaleiro.contracts.checks import (
    AllOf,
    Check,
    Duration,
    Labels,
    MaxItems,
    MaxLength,
    NotCheckedHere,
    OneOf,
    Pattern,
    Range,
    RequiredWith,
    StatedRuleNone,
    SumsTo,
    Unset,
)
from estaleiro.errors import InvalidInput, Problem

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Contract:
    path: str
    file: str  # under apis/, e.g. googleapis/google/monitoring/v3/alert.proto
    line: int  # where the quote starts
    quote: str  # the comment's words, `//` and line breaks removed
    check: Check

    @property
    def source(self) -> str:
        return f"apis/{self.file}:{self.line}"

    def problem(self, value: Any, siblings: Mapping[str, Any] | None = None) -> str | None:
        """What is wrong with `value` for this field, with the rule and where Google states it; None if nothing."""
        found = self.check.problem(value, siblings or {})
        return None if found is None else f'{found} ({self.source}: "{self.quote}")'


def _check(spec: Any, where: str) -> Check:
    """A check from its YAML form: `stated_rule_none`, a one-key mapping, or a list of those."""
    if spec == "stated_rule_none":
        return StatedRuleNone()
    if isinstance(spec, list):
        return AllOf(tuple(_check(item, where) for item in spec))
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise InvalidInput([Problem(where, "check", f"not a check: {spec!r}")])
    [(kind, arg)] = spec.items()
    builders: dict[str, Any] = {
        "one_of": lambda a: OneOf(tuple(a)),
        "unset": lambda a: Unset(a),
        "max_length": lambda a: MaxLength(int(a)),
        "max_items": lambda a: MaxItems(int(a)),
        "pattern": lambda a: Pattern(str(a)),
        "range": lambda a: Range(a.get("low"), a.get("high"), bool(a.get("above", False))),
        "duration": lambda a: Duration(a.get("low"), a.get("high"), a.get("multiple_of")),
        "required_with": lambda a: RequiredWith(
            a["field"], tuple(a.get("not_in", ())), a.get("min_seconds"), tuple(a.get("unless", ()))
        ),
        "sums_to": lambda a: SumsTo(float(a)),
        "labels": lambda a: Labels(a.get("keys"), a.get("values"), a.get("limit")),
        "not_checked_here": lambda a: NotCheckedHere(str(a)),
    }
    if kind not in builders:
        raise InvalidInput([Problem(where, "check", f"unknown check {kind!r}; known: {', '.join(builders)}")])
    built: Check = builders[kind](arg)
    return built


@cache
def contracts() -> Mapping[str, Contract]:
    """Every entry of every contracts file, by path; a path written in two files is refused."""
    loaded: dict[str, Contract] = {}
    for path in sorted(HERE.glob("*.yaml")):
        display = f"estaleiro/contracts/{path.name}"
        for key, entry in (read_document(path, display).data or {}).items():
            if key in loaded:
                raise InvalidInput([Problem(display, key, "written in two contracts files")])
            file, _, line = str(entry["source"]).rpartition(":")
            loaded[key] = Contract(
                key, file, int(line), str(entry["quote"]), _check(entry["check"], f"{display}: {key}")
            )
    return MappingProxyType(loaded)


def contract(path: str) -> Contract:
    """The entry for one field path (config calls this to judge a manifest value at load)."""
    return contracts()[path]
