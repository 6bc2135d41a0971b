"""Checks of one value against the rule an API definition states for its field.

Each check answers the problem with a value (one line, naming what is allowed) or None. A check
sees the value as the message carries it and the message's other fields (`siblings`, by proto
name), for rules that depend on them ("if `evaluation_missing_data` is set, `duration` ...").
A repeated field's check judges each element unless it is about the whole (`max_items`).
The loader builds them from the contracts' YAML; config may call them on a manifest's values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")  # google.protobuf.Duration in JSON: "60s", "0.5s"


def seconds(value: Any) -> float | None:
    """A Duration's length in seconds (JSON "60s", or a number), or None if it is not one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = DURATION.match(value) if isinstance(value, str) else None
    return float(match.group(1)) if match else None


@dataclass(frozen=True)
class Check:
    """The base: `problem` judges one value; a repeated value is judged element by element."""

    whole = False  # True: judge a list as one value (item counts)

    def problem(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        if isinstance(value, list) and not self.whole:
            return next((p for item in value if (p := self.judge(item, siblings)) is not None), None)
        return self.judge(value, siblings)

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        raise NotImplementedError


@dataclass(frozen=True)
class StatedRuleNone(Check):
    """The field's comment states no rule beyond its type: nothing to judge."""

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        return None


@dataclass(frozen=True)
class OneOf(Check):
    allowed: tuple[str | int | bool, ...]

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        return None if value in self.allowed else f"{value!r} is not one of {', '.join(map(str, self.allowed))}"


@dataclass(frozen=True)
class Unset(Check):
    """The field may not be set here; `default` is the value that means unset (an enum's UNSPECIFIED)."""

    default: str | None = None

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        return None if value in (None, self.default) else f"{value!r} is not allowed here: leave it unset"


@dataclass(frozen=True)
class MaxLength(Check):
    limit: int

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        text = str(value)
        return None if len(text) <= self.limit else f"{len(text)} characters, more than {self.limit}"


@dataclass(frozen=True)
class MaxItems(Check):
    limit: int
    whole = True

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        count = len(value) if isinstance(value, list | Mapping) else 1
        return None if count <= self.limit else f"{count} items, more than {self.limit}"


@dataclass(frozen=True)
class Pattern(Check):
    """The whole value matches `regex`."""

    regex: str

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        return None if re.fullmatch(self.regex, str(value)) else f"{value!r} does not match {self.regex}"


@dataclass(frozen=True)
class Range(Check):
    """A number within [low, high] (either bound may be open; `above`: strictly greater than `low`)."""

    low: float | None = None
    high: float | None = None
    above: bool = False

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return f"{value!r} is not a number"
        too_low = self.low is not None and (number <= self.low if self.above else number < self.low)
        if too_low or (self.high is not None and number > self.high):
            opening = "(" if self.above else "["
            low = "" if self.low is None else f"{self.low:g}"
            high = "" if self.high is None else f"{self.high:g}"
            return f"{value!r} is outside {opening}{low}, {high}]"
        return None


@dataclass(frozen=True)
class Duration(Check):
    """A Duration within [low, high] seconds, a whole multiple of `multiple_of` seconds if given."""

    low: float | None = None
    high: float | None = None
    multiple_of: float | None = None

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        length = seconds(value)
        if length is None:
            return f"{value!r} is not a duration"
        if self.low is not None and length < self.low:
            return f"{value} is shorter than {self.low:g}s"
        if self.high is not None and length > self.high:
            return f"{value} is longer than {self.high:g}s"
        if self.multiple_of and length % self.multiple_of:
            return f"{value} is not a multiple of {self.multiple_of:g}s"
        return None


def is_set(value: Any) -> bool:
    """Whether a field is set as the API reads it: not empty, zero, false or an enum's *_UNSPECIFIED."""
    if value is None or value is False or value == "" or value == 0:
        return False
    return not (isinstance(value, str) and value.endswith("_UNSPECIFIED"))


@dataclass(frozen=True)
class RequiredWith(Check):
    """When this field is set (to anything but `unless`), the sibling `field` must be set, not to
    one of `not_in`, and, for a Duration, to at least `min_seconds`."""

    field: str
    not_in: tuple[str, ...] = ()
    min_seconds: float | None = None
    unless: tuple[str, ...] = ()

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        if not is_set(value) or value in self.unless:
            return None
        other = siblings.get(self.field)
        if not is_set(other):
            return f"{value!r} needs {self.field} to be set"
        if other in self.not_in:
            return f"{value!r} needs {self.field} other than {other!r}"
        length = seconds(other)
        if self.min_seconds is not None and (length is None or length < self.min_seconds):
            return f"{value!r} needs {self.field} of at least {self.min_seconds:g}s, not {other!r}"
        return None


@dataclass(frozen=True)
class SumsTo(Check):
    """A map of numbers whose values add up to `total` (an empty map passes: it leaves things as they are)."""

    total: float
    whole = True

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        if not isinstance(value, Mapping):
            return f"{value!r} is not a map"
        added = sum(float(v) for v in value.values())
        return None if not value or added == self.total else f"values add up to {added:g}, not {self.total:g}"


@dataclass(frozen=True)
class Labels(Check):
    """A map of labels: each key and value match their patterns (None: any), at most `limit` entries."""

    keys: str | None
    values: str | None
    limit: int | None = None
    whole = True

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        if not isinstance(value, Mapping):
            return f"{value!r} is not a map"
        if self.limit is not None and len(value) > self.limit:
            return f"{len(value)} labels, more than {self.limit}"
        for key, item in value.items():
            if self.keys is not None and not re.fullmatch(self.keys, str(key)):
                return f"key {key!r} does not match {self.keys}"
            if self.values is not None and not re.fullmatch(self.values, str(item)):
                return f"value {item!r} of {key!r} does not match {self.values}"
        return None


@dataclass(frozen=True)
class AllOf(Check):
    """Several rules the comment states for one field."""

    checks: tuple[Check, ...]
    whole = True

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        return next((p for c in self.checks if (p := c.problem(value, siblings)) is not None), None)


@dataclass(frozen=True)
class NotCheckedHere(Check):
    """A rule the comment states that no test of the value alone can decide (a valid filter, a resource
    that exists): `why` says so. The contract still quotes it, so a reader sees the rule."""

    why: str

    def judge(self, value: Any, siblings: Mapping[str, Any]) -> str | None:
        return None
