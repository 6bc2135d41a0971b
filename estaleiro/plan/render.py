"""Plans and plan diffs as text for a terminal, markdown for a PR comment, JSON for tools."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Literal

from estaleiro.plan.diff import ABSENT, PlanDiff, flatten
from estaleiro.plan.model import Plan

Format = Literal["text", "md", "json"]
SYMBOL = {"create": "+", "update": "~", "delete": "-"}
MAX_VALUE = 120


def render_plan(plan: Plan, fmt: Format) -> str:
    if fmt == "json":
        return plan.dumps()
    if fmt == "md":
        return _plan_md(plan)
    return _plan_text(plan)


def render_diff(change: PlanDiff, fmt: Format) -> str:
    if fmt == "json":
        return json.dumps(_diff_json(change), indent=2, sort_keys=True) + "\n"
    if fmt == "md":
        return _diff_md(change)
    return _diff_text(change)


def short(urn: str | None) -> str:
    """`type name` from a URN, the way people refer to a resource."""
    if not urn:
        return "-"
    _, _, qualified_type, name = urn.split("::", 3)
    return f"{qualified_type.split('$')[-1]} {name}"


def value(raw: Any) -> str:
    text = "(absent)" if raw is ABSENT else json.dumps(raw, sort_keys=True)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def summary(change: PlanDiff) -> str:
    return (
        f"{change.count('create')} to create, {change.count('update')} to update, "
        f"{change.count('delete')} to delete, {change.unchanged} unchanged"
    )


def _plan_text(plan: Plan) -> str:
    lines = [f"Plan for stack {plan.stack}: {len(plan.resources)} resources (offline, Pulumi mock engine)", ""]
    for resource in plan.resources:
        lines.append(f"{resource.type}  {resource.name}")
        lines.append(f"  parent:     {short(resource.parent)}")
        if resource.dependencies:
            lines.append(f"  depends on: {', '.join(short(d) for d in resource.dependencies)}")
        for path, leaf in flatten(resource.inputs):
            if path:
                lines.append(f"    {path} = {value(leaf)}")
        lines.append("")
    lines.extend(f"output {key} = {value(v)}" for key, v in sorted(plan.outputs.items()))
    return "\n".join(lines).rstrip() + "\n"


def _plan_md(plan: Plan) -> str:
    counts = Counter(r.type for r in plan.resources)
    lines = [
        f"### Estaleiro plan for `{plan.stack}`",
        "",
        f"**{len(plan.resources)} resources** (offline plan, Pulumi mock engine)",
        "",
        "| type | count |",
        "|---|---:|",
        *(f"| `{t}` | {n} |" for t, n in sorted(counts.items())),
        "",
        "| resource | type | parent |",
        "|---|---|---|",
        *(f"| `{r.name}` | `{r.type}` | {_cell(short(r.parent))} |" for r in plan.resources),
    ]
    return "\n".join(lines) + "\n"


def _diff_text(change: PlanDiff) -> str:
    lines = [f"Plan for stack {change.stack} against {change.base}: {summary(change)}", ""]
    for resource in change.resources:
        lines.append(f"{SYMBOL[resource.action]} {resource.action:<6}  {resource.type}  {resource.name}")
        lines.extend(f"      {c.path}: {value(c.old)} -> {value(c.new)}" for c in resource.changes)
    return "\n".join(lines).rstrip() + "\n"


def _diff_md(change: PlanDiff) -> str:
    lines = [f"### Estaleiro plan for `{change.stack}` against `{change.base}`", "", f"**{summary(change)}**", ""]
    if not change.resources:
        return "\n".join([*lines, "No changes: merging this changes nothing in Google Cloud."]) + "\n"
    lines += ["| | resource | type | changes |", "|---|---|---|---|"]
    for r in change.resources:
        changes = "<br>".join(f"`{c.path}`: {_cell(value(c.old))} → {_cell(value(c.new))}" for c in r.changes)
        lines.append(f"| {SYMBOL[r.action]} {r.action} | `{r.name}` | `{r.type}` | {changes} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Markdown table cells: pipes and newlines would break the row."""
    return text.replace("|", "\\|").replace("\n", " ")


def _diff_json(change: PlanDiff) -> dict[str, Any]:
    def leaf(path: str, old: Any, new: Any) -> dict[str, Any]:
        item: dict[str, Any] = {"path": path}
        if old is not ABSENT:
            item["old"] = old
        if new is not ABSENT:
            item["new"] = new
        return item

    return {
        "stack": change.stack,
        "base": change.base,
        "summary": {a: change.count(a) for a in ("create", "update", "delete")} | {"unchanged": change.unchanged},
        "resources": [
            {
                "action": r.action,
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "changes": [leaf(c.path, c.old, c.new) for c in r.changes],
            }
            for r in change.resources
        ],
    }
