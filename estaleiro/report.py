"""One report for `estaleiro check`: invalid input, promotion rules and checkov, in four formats."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from estaleiro.errors import Problem
from estaleiro.findings import Finding

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


def render(findings: Sequence[Finding], fmt: ReportFormat, checked: Sequence[str]) -> str:
    ordered = sorted(findings)
    if fmt == "json":
        return json.dumps(_json(ordered, checked), indent=2, sort_keys=True) + "\n"
    if fmt == "sarif":
        return json.dumps(_sarif(ordered), indent=2, sort_keys=True) + "\n"
    if fmt == "md":
        return _markdown(ordered, checked)
    return _text(ordered, checked)


def headline(findings: Sequence[Finding], checked: Sequence[str]) -> str:
    failing = sum(1 for f in findings if not f.suppressed)
    suppressed = len(findings) - failing
    verdict = "PASS" if failing == 0 else "FAIL"
    return (
        f"{verdict}: {failing} violation(s), {suppressed} documented exception(s) in {', '.join(checked) or 'nothing'}"
    )


def _text(findings: Sequence[Finding], checked: Sequence[str]) -> str:
    """Violations first, then exceptions, each reason written once under its rule."""
    lines = [headline(findings, checked)]
    ordered = [f for f in findings if not f.suppressed] + [f for f in findings if f.suppressed]
    for f in ordered:
        tag = "EXCEPTION" if f.suppressed else "VIOLATION"
        file = f"{f.file}:{f.line}" if f.line else f.file
        where = f"{file} [{f.resource}]" if f.resource else file
        lines.append(f"{tag} {f.rule} {where}: {f.message}")
    reasons = sorted({(f.rule, f.suppressed_reason) for f in findings if f.suppressed})
    if reasons:
        lines.append("Why the exceptions are accepted (policies/exceptions.yaml):")
        lines.extend(f"  {rule}: {reason}" for rule, reason in reasons)
    return "\n".join(lines) + "\n"


def _markdown(findings: Sequence[Finding], checked: Sequence[str]) -> str:
    lines = [f"### Estaleiro check: {headline(findings, checked)}", ""]
    violations = [f for f in findings if not f.suppressed]
    exceptions = [f for f in findings if f.suppressed]
    if violations:
        lines += ["| rule | file | resource | problem |", "|---|---|---|---|"]
        lines += [f"| `{f.rule}` | `{f.file}` | {_cell(f.resource)} | {_cell(f.message)} |" for f in violations]
        lines.append("")
    if exceptions:
        lines += [
            "<details><summary>Documented exceptions</summary>",
            "",
            "| rule | resource | reason |",
            "|---|---|---|",
        ]
        lines += [f"| `{f.rule}` | {_cell(f.resource)} | {_cell(f.suppressed_reason)} |" for f in exceptions]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "-"


def _json(findings: Sequence[Finding], checked: Sequence[str]) -> dict[str, Any]:
    return {
        "checked": list(checked),
        "passed": all(f.suppressed for f in findings),
        "findings": [
            {
                "file": f.file,
                "rule": f.rule,
                "message": f.message,
                "source": f.source,
                "resource": f.resource,
                "suppressed": f.suppressed,
                "reason": f.suppressed_reason,
            }
            for f in findings
        ],
    }


def _sarif(findings: Sequence[Finding]) -> dict[str, Any]:
    rules = sorted({f.rule for f in findings})
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rules.index(f.rule),
            "level": "error",
            "message": {"text": f"{f.resource}: {f.message}" if f.resource else f.message},
            "locations": [{"physicalLocation": _location(f)}],
        }
        if f.suppressed:
            result["suppressions"] = [{"kind": "external", "justification": f.suppressed_reason}]
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
            }
        ],
    }


def _location(finding: Finding) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": finding.file}}
    if finding.line:
        location["region"] = {"startLine": finding.line}
    return location
