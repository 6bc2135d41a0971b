"""What a change to the repository changes in the cloud: plan(base) against plan(head), by URN."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from estaleiro.plan.model import Plan, PlannedResource

Action = Literal["create", "update", "delete"]


class _Absent:
    """An input path that one side does not have (distinct from an explicit null)."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ResourceDiff:
    action: Action
    urn: str
    type: str
    name: str
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class PlanDiff:
    stack: str
    base: str
    resources: tuple[ResourceDiff, ...]
    unchanged: int

    def count(self, action: Action) -> int:
        return sum(1 for r in self.resources if r.action == action)


def diff(base: Plan, head: Plan, base_ref: str) -> PlanDiff:
    old, new = base.by_urn(), head.by_urn()
    results: list[ResourceDiff] = []
    unchanged = 0
    for urn in sorted(old.keys() | new.keys()):
        before, after = old.get(urn), new.get(urn)
        if before is None:
            results.append(_whole("create", after))  # type: ignore[arg-type]
        elif after is None:
            results.append(_whole("delete", before))
        else:
            changes = changed_paths(before.inputs, after.inputs)
            if changes:
                results.append(ResourceDiff("update", urn, after.type, after.name, changes))
            else:
                unchanged += 1
    return PlanDiff(head.stack, base_ref, tuple(results), unchanged)


def _whole(action: Action, resource: PlannedResource) -> ResourceDiff:
    return ResourceDiff(action, resource.urn, resource.type, resource.name)


def changed_paths(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Change, ...]:
    """Every leaf input path whose value differs, with its old and new value."""
    before, after = dict(flatten(old)), dict(flatten(new))
    return tuple(
        Change(path, before.get(path, ABSENT), after.get(path, ABSENT))
        for path in sorted(before.keys() | after.keys())
        if before.get(path, ABSENT) != after.get(path, ABSENT)
    )


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Leaves as (`a.b[2].c`, value); empty containers are leaves so their appearance shows."""
    if isinstance(value, Mapping) and value:
        for key in sorted(value):
            yield from flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value
