"""A drift report as text (terminal), Markdown (pull-request comment) or JSON (machines)."""

from __future__ import annotations

import json
from typing import Any, Literal

from estaleiro.drift.compare import DriftReport, FeatureDrift

DriftFormat = Literal["text", "md", "json"]
INFERRED_NOTE = "types marked * were inferred from the data (numbers numerical; text and booleans categorical)"


def render(report: DriftReport, fmt: DriftFormat, reference: str, current: str) -> str:
    if fmt == "json":
        return json.dumps(as_json(report, reference, current), indent=2) + "\n"
    if fmt == "md":
        return _markdown(report, reference, current)
    return _text(report, reference, current)


def headline(report: DriftReport) -> str:
    over = len(report.drifted)
    verdict = "DRIFT" if over else "OK"
    return f"{verdict}: {over} of {len(report.features)} feature(s) over threshold"


def verdict(feature: FeatureDrift) -> str:
    return "DRIFT" if feature.drifted else "ok"


def kind(report: DriftReport, feature: FeatureDrift) -> str:
    return f"{feature.kind}*" if feature.feature in report.inferred else str(feature.kind)


def _rows(report: DriftReport) -> list[tuple[str, ...]]:
    return [
        (f.feature, kind(report, f), str(f.metric), f"{f.score:.4f}", f"{f.threshold:.4f}", verdict(f))
        for f in report.features
    ]


def _text(report: DriftReport, reference: str, current: str) -> str:
    header = ("feature", "type", "metric", "score", "threshold", "verdict")
    rows = [header, *_rows(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [f"{headline(report)} ({reference} -> {current})"]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    if report.inferred:
        lines.append(INFERRED_NOTE)
    return "\n".join(lines) + "\n"


def _markdown(report: DriftReport, reference: str, current: str) -> str:
    lines = [
        f"### Drift: {headline(report)}",
        "",
        f"`{reference}` → `{current}`",
        "",
        "| feature | type | metric | score | threshold | verdict |",
        "|---|---|---|---:|---:|---|",
    ]
    lines += [
        f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {'**DRIFT**' if r[5] == 'DRIFT' else r[5]} |"
        for r in _rows(report)
    ]
    if report.inferred:
        lines += ["", INFERRED_NOTE]
    return "\n".join(lines) + "\n"


def as_json(report: DriftReport, reference: str, current: str) -> dict[str, Any]:
    return {
        "reference": reference,
        "current": current,
        "drifted": [f.feature for f in report.drifted],
        "features": [
            {
                "feature": f.feature,
                "type": str(f.kind),
                "type_inferred": f.feature in report.inferred,
                "metric": str(f.metric),
                "score": f.score,
                "threshold": f.threshold,
                "drifted": f.drifted,
            }
            for f in report.features
        ],
    }
