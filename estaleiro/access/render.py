"""`estaleiro access` as markdown (a page people read, a pull-request comment) or JSON (for tools)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from estaleiro.access.judge import EXCESS, MISSING, Access, Held
from estaleiro.findings import Finding

Format = Literal["md", "json"]


def render(access: Access, findings: Sequence[Finding], fmt: Format) -> str:
    """`findings` are the access's findings with the waivers applied."""
    return _json(access, findings) if fmt == "json" else _md(access, findings)


def _uses(held: Held) -> str:
    if held.permissions is None:
        return "unknown role"
    used = {n.permission for n in held.meets}
    return f"{len(used)} of {len(held.permissions)}"


def _md(access: Access, findings: Sequence[Finding]) -> str:
    lines = [
        f"### Who may do what in `{access.stack}`",
        "",
        f"{len(access.held)} grants; {len(access.needs)} needs, {len(access.missing)} of them met by no grant.",
        "",
        "| identity | role | on | permissions used | granted by |",
        "|---|---|---|---|---|",
    ]
    for held in sorted(access.held, key=lambda h: (h.grant.identity, h.grant.role, h.grant.scope)):
        grant = held.grant
        condition = f"<br>if `{_cell(grant.condition)}`" if grant.condition else ""
        lines.append(
            f"| `{grant.identity}` | `{grant.role}` | {_cell(str(grant.scope))}{condition} | {_uses(held)} "
            f"| `{grant.resource.name}` (`{held.file}`) |"
        )
    rules = ((MISSING, "Missing: needed, granted by nothing"), (EXCESS, "Excess: held, needed by nothing"))
    for rule, title in rules:
        shown = [f for f in findings if f.rule == rule]
        lines += ["", f"#### {title} ({len(shown)})", ""]
        if shown:
            lines += ["| identity, permission or role, on | file | why | waived |", "|---|---|---|---|"]
            lines += [
                f"| {_cell(f.resource)} | `{f.file}` | {_cell(f.message)} | {_cell(f.waived_reason) or 'no'} |"
                for f in shown
            ]
        else:
            lines.append("None.")
    others = [f for f in findings if f.rule not in (MISSING, EXCESS)]
    if others:
        lines += ["", f"#### Not modelled ({len(others)})", "", "| rule | resource | file | why |", "|---|---|---|---|"]
        lines += [f"| `{f.rule}` | `{f.pulumi_name}` | `{f.file}` | {_cell(f.message)} |" for f in others]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _json(access: Access, findings: Sequence[Finding]) -> str:
    def held(h: Held) -> dict[str, Any]:
        grant = h.grant
        return {
            "identity": grant.identity,
            "member": grant.member,
            "role": grant.role,
            "on": str(grant.scope),
            "condition": grant.condition,
            "grantedBy": {"name": grant.resource.name, "urn": grant.resource.urn, "file": h.file},
            "permissions": None if h.permissions is None else len(h.permissions),
            "meets": [{"permission": n.permission, "on": str(n.scope)} for n in h.meets],
        }

    document = {
        "stack": access.stack,
        "grants": [held(h) for h in access.held],
        "needs": [
            {
                "identity": n.identity,
                "permission": n.permission,
                "on": str(n.scope),
                "reason": n.reason,
                "source": n.source,
                "resource": n.resource.name if n.resource else None,
            }
            for n in access.needs
        ],
        "findings": [
            {
                "rule": f.rule,
                "file": f.file,
                "resource": f.resource,
                "pulumiName": f.pulumi_name,
                "urn": f.urn,
                "message": f.message,
                "waived": f.waived_reason or None,
            }
            for f in findings
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
