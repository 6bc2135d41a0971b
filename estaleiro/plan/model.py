"""The plan graph: what the recording monitor saw, in a form that diffs and serialises.

A plan is plain data (no Pulumi objects) so that the diff, the Terraform-plan export for
checkov and the PR comment can all work on it without importing Pulumi.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlannedResource:
    """One registered resource; `inputs` are the camelCase inputs Pulumi would send; `protect` is
    the resource option that makes `pulumi destroy` and a replacement refuse to delete it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    dependencies: tuple[str, ...]
    inputs: Mapping[str, Any]
    protect: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "dependencies": list(self.dependencies),
            "inputs": self.inputs,
            "protect": self.protect,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlannedResource:
        return cls(
            urn=data["urn"],
            type=data["type"],
            name=data["name"],
            custom=data["custom"],
            parent=data["parent"],
            dependencies=tuple(data["dependencies"]),
            inputs=data["inputs"],
            protect=data.get("protect", False),
        )


@dataclass(frozen=True)
class Plan:
    """All resources of one stack, sorted by URN, plus the stack's exported outputs."""

    stack: str
    resources: tuple[PlannedResource, ...]
    outputs: Mapping[str, Any] = field(default_factory=dict)

    def by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.outputs,
        }

    def dumps(self) -> str:
        """Deterministic JSON: sorted keys, stable indentation, trailing newline."""
        return json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        return cls(
            stack=data["stack"],
            resources=tuple(PlannedResource.from_json(r) for r in data["resources"]),
            outputs=data.get("outputs", {}),
        )
