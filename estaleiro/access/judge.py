"""Grants against needs: who may do what, what is missing, what is held for nothing.

A need is met when a grant to the same identity, reaching the need's scope (the resource itself,
or its project; a condition narrows it), holds a role with the permission. A grant is in excess
when it meets no need at all. Both are `Finding`s, so `estaleiro check` reports and waives them
as it does checkov's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from estaleiro.access.model import AccessModel, Grant
from estaleiro.access.needs import DEPLOYER_TYPES, NEEDS_FILE, Need, needs
from estaleiro.access.roles import ROLES_DISPLAY, permissions
from estaleiro.findings import Finding
from estaleiro.plan.model import PlannedResource

MISSING, EXCESS, UNMODELLED, UNKNOWN_ROLE = (
    "access/missing",
    "access/excess",
    "access/unmodelled",
    "access/unknown-role",
)
COMPONENT = re.compile(r"""super\(\).__init__\(\s*["']([A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_]+)["']""")


@dataclass(frozen=True)
class Held:
    """One grant, the permissions its role holds (None: unknown), the needs it meets, the file that declares it."""

    grant: Grant
    permissions: frozenset[str] | None
    meets: tuple[Need, ...]
    file: str


@dataclass(frozen=True)
class Access:
    stack: str
    held: tuple[Held, ...]
    needs: tuple[Need, ...]
    missing: tuple[Need, ...]
    findings: tuple[Finding, ...]


def judge(model: AccessModel, root: Path) -> Access:
    files = _Files(model, root)
    wanted = needs(model)
    held = [Held(g, permissions(g.role, model.custom_roles), (), files.of(g.resource)) for g in model.grants]
    held = [Held(h.grant, h.permissions, tuple(n for n in wanted if _meets(h, n)), h.file) for h in held]
    met = {n for h in held for n in h.meets}
    missing = tuple(n for n in wanted if n not in met)
    findings = [
        *(_missing(n, files) for n in missing),
        *(_excess(h, files) for h in held if not h.meets and h.permissions is not None and not h.grant.implicit),
        *(_unknown_role(h, files) for h in held if h.permissions is None),
        *(_unmodelled(r, files, "an IAM resource type") for r in model.unread),
        *(
            _unmodelled(r, files, "a resource type with no deployer permissions")
            for r in model.plan.resources
            if r.custom and not r.type.startswith("pulumi:") and r.type not in DEPLOYER_TYPES
        ),
    ]
    return Access(model.stack, tuple(held), tuple(wanted), missing, tuple(sorted(findings)))


def _meets(held: Held, need: Need) -> bool:
    grant, reach = held.grant, held.grant.reach
    return (
        held.permissions is not None
        and reach is not None
        and grant.identity == need.identity
        and need.permission in held.permissions
        and need.scope.within(reach)
    )


class _Files:
    """Where the code declares a planned resource: the file of the nearest component that holds it."""

    def __init__(self, model: AccessModel, root: Path) -> None:
        self.by_urn = model.plan.by_urn()
        self.tokens = _component_files(root)

    def of(self, resource: PlannedResource | None) -> str:
        while resource is not None:
            if resource.type in self.tokens:
                return self.tokens[resource.type]
            resource = self.by_urn.get(resource.parent or "")
        return "__main__.py"


@cache
def _component_files(root: Path) -> Mapping[str, str]:
    """Component type token -> the file whose class registers it, read from components/."""
    found = {}
    for path in sorted((root / "components").rglob("*.py")):
        for token in COMPONENT.findall(path.read_text(encoding="utf-8")):
            found[token] = path.relative_to(root).as_posix()
    return found


def _missing(need: Need, files: _Files) -> Finding:
    return Finding(
        file=files.of(need.resource) if need.resource else NEEDS_FILE,
        rule=MISSING,
        message=f"{need.identity} needs {need.permission} on {need.scope} ({need.reason}; {need.source}) "
        "and no grant gives it",
        source="access",
        resource=f"{need.identity} {need.permission} on {need.scope}",
        pulumi_name=need.resource.name if need.resource else "",
        urn=need.resource.urn if need.resource else "",
    )


def _excess(held: Held, files: _Files) -> Finding:
    grant = held.grant
    why = " (its condition is one this model cannot read)" if grant.condition and grant.reach is None else ""
    return Finding(
        file=held.file,
        rule=EXCESS,
        message=f"{grant.identity} holds {grant.role} on {grant.scope}{why}, and nothing it does needs any of "
        f"its {len(held.permissions or ())} permissions there: remove the grant, or add the need to {NEEDS_FILE}",
        source="access",
        resource=f"{grant.identity} {grant.role} on {grant.scope}",
        pulumi_name=grant.resource.name,
        urn=grant.resource.urn,
    )


def _unknown_role(held: Held, files: _Files) -> Finding:
    grant = held.grant
    return Finding(
        file=held.file,
        rule=UNKNOWN_ROLE,
        message=f"{grant.role}: no permissions known for this role; add it to {ROLES_DISPLAY} from its reference page",
        source="access",
        resource=f"{grant.identity} {grant.role} on {grant.scope}",
        pulumi_name=grant.resource.name,
        urn=grant.resource.urn,
    )


def _unmodelled(resource: PlannedResource, files: _Files, what: str) -> Finding:
    return Finding(
        file=files.of(resource),
        rule=UNMODELLED,
        message=f"{resource.type} is {what}: add what `pulumi up` needs for it to {NEEDS_FILE} (DEPLOYER_TYPES), "
        "with the page that names the permissions",
        source="access",
        resource=resource.type,
        pulumi_name=resource.name,
        urn=resource.urn,
    )
