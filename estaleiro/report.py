"""One report for `estaleiro check`: invalid input, promotion rules and checkov, in four formats.

Every format says what was judged (per stack: resources, and checks passed, failed and waived,
as checkov's summary counts them) and names a planned resource as the program does: its
Pulumi name and URN beside checkov's address, so that a user can grep for it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from estaleiro.errors import Problem
from estaleiro.findings import Finding, Judged
from estaleiro.waivers import WAIVERS_FILE

ReportFormat = Literal["text", "md", "json", "sarif"]
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def as_findings(problems: Sequence[Problem]) -> list[Finding]:
    """Invalid input, in the report's one shape: the rule is the broken key path."""
    return [
        Finding(
            p.file, "schema/invalid-input", f"{p.path}: {p.message}" if p.path else p.message, "schema", line=p.line
        )
        for p in problems
    ]


def render(findings: Sequence[Finding], fmt: ReportFormat, checked: Sequence[str], judged: Sequence[Judged]) -> str:
    ordered = sorted(findings)
    if fmt == "json":
        return json.dumps(_json(ordered, checked, judged), indent=2, sort_keys=True) + "\n"
    if fmt == "sarif":
        return json.dumps(_sarif(ordered, judged), indent=2, sort_keys=True) + "\n"
    if fmt == "md":
        return _markdown(ordered, checked, judged)
    return _text(ordered, checked, judged)


def headline(findings: Sequence[Finding], checked: Sequence[str]) -> str:
    failing = sum(1 for f in findings if f.fails)
    waived = sum(1 for f in findings if f.waived)
    notices = sum(1 for f in findings if f.severity == "notice" and not f.waived)
    verdict = "PASS" if failing == 0 else "FAIL"
    noted = f", {notices} notice(s)" if notices else ""
    return f"{verdict}: {failing} violation(s), {waived} waived{noted} in {', '.join(checked) or 'nothing'}"


def _counts(j: Judged) -> dict[str, Any]:
    return {"target": j.target, "resources": j.resources, "passed": j.passed, "failed": j.failed, "waived": j.waived}


def _text(findings: Sequence[Finding], checked: Sequence[str], judged: Sequence[Judged]) -> str:
    """What was judged, then violations, then waived findings, each waiver's reason written once."""
    lines = [headline(findings, checked)]
    if judged:
        lines.append("checkov judged:")
        lines += [
            f"  {j.target}: {j.resources} resources; {j.passed} passed, {j.failed} failed, {j.waived} waived"
            for j in judged
        ]
    for f in [f for f in findings if not f.waived] + [f for f in findings if f.waived]:
        tag = "WAIVED" if f.waived else "VIOLATION" if f.fails else "NOTICE"
        file = f"{f.file}:{f.line}" if f.line else f.file
        where = f"{file} [{f.resource}]" if f.resource else file
        lines.append(f"{tag} {f.rule} {where}: {f.message}")
        if f.urn:
            lines.append(f"  Pulumi resource {f.pulumi_name}: {f.urn}")
    reasons = sorted({(f.rule, f.waived_reason) for f in findings if f.waived})
    if reasons:
        lines.append(f"Why the waivers are accepted ({WAIVERS_FILE}):")
        lines.extend(f"  {rule}: {reason}" for rule, reason in reasons)
    return "\n".join(lines) + "\n"


def _markdown(findings: Sequence[Finding], checked: Sequence[str], judged: Sequence[Judged]) -> str:
    lines = [f"### Estaleiro check: {headline(findings, checked)}", ""]
    if judged:
        lines += ["| checkov judged | resources | passed | failed | waived |", "|---|--:|--:|--:|--:|"]
        lines += [f"| {j.target} | {j.resources} | {j.passed} | {j.failed} | {j.waived} |" for j in judged]
        lines.append("")
    waived = [f for f in findings if f.waived]
    for title, shown in (("problem", [f for f in findings if f.fails]), ("notice", _notices(findings))):
        if shown:
            lines += [f"| rule | file | resource | {title} |", "|---|---|---|---|"]
            lines += [f"| `{f.rule}` | `{f.file}` | {_resource_cell(f)} | {_cell(f.message)} |" for f in shown]
            lines.append("")
    if waived:
        lines += [
            f"<details><summary>Waived findings ({WAIVERS_FILE})</summary>",
            "",
            "| rule | resource | reason |",
            "|---|---|---|",
        ]
        lines += [f"| `{f.rule}` | {_resource_cell(f)} | {_cell(f.waived_reason)} |" for f in waived]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _notices(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "notice" and not f.waived]


def _resource_cell(finding: Finding) -> str:
    if not finding.urn:
        return _cell(finding.resource)
    return f"`{finding.pulumi_name}` ({_cell(finding.resource)})<br>`{_cell(finding.urn)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "-"


def _json(findings: Sequence[Finding], checked: Sequence[str], judged: Sequence[Judged]) -> dict[str, Any]:
    return {
        "checked": list(checked),
        "passed": not any(f.fails for f in findings),
        "judged": [_counts(j) for j in judged],
        "findings": [
            {
                "file": f.file,
                "line": f.line,
                "rule": f.rule,
                "message": f.message,
                "source": f.source,
                "resource": f.resource,
                "pulumi_name": f.pulumi_name,
                "urn": f.urn,
                "severity": f.severity,
                "waived": f.waived,
                "reason": f.waived_reason,
            }
            for f in findings
        ],
    }


def _sarif(findings: Sequence[Finding], judged: Sequence[Judged]) -> dict[str, Any]:
    rules = sorted({f.rule for f in findings})
    results = []
    for f in findings:
        subject = f"{f.pulumi_name} ({f.resource})" if f.urn else f.resource
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rules.index(f.rule),
            "level": "error" if f.severity == "error" else "note",
            "message": {"text": f"{subject}: {f.message}" if subject else f.message},
            "locations": [_location(f)],
        }
        if f.waived:
            result["suppressions"] = [{"kind": "external", "justification": f.waived_reason}]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "estaleiro",
                        "informationUri": "https://github.com/acme/estaleiro",
                        "rules": [{"id": rule} for rule in rules],
                    }
                },
                "results": results,
                "properties": {"judged": [_counts(j) for j in judged]},
            }
        ],
    }


def _location(finding: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": finding.file}}
    if finding.line:
        physical["region"] = {"startLine": finding.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.urn:
        location["logicalLocations"] = [
            {"name": finding.pulumi_name, "fullyQualifiedName": finding.urn, "kind": "resource"}
        ]
    return location
