"""One model-quality run: what the pipeline's steps call, in the cloud and on this machine alike.

measure: the quality query over the run's tables (BigQuery) or files standing in for them (DuckDB).
decide: the N-of-M rule per version, a report a person reads, and the points Cloud Monitoring gets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from estaleiro.config.monitoring import Quality
from estaleiro.quality.decline import Verdict, decline
from estaleiro.quality.windows import Measured

LOOKBACK = 2  # windows measured per window the rule judges: skipped windows must not starve the rule


def lookback(quality: Quality) -> int:
    """How many matured windows a run measures: the rule's last `of` countable ones are among them."""
    return LOOKBACK * quality.decline.of


def run_time(as_of: str) -> datetime:
    """The run's time: `as_of` (ISO 8601 with a zone) when given, else now (a scheduled run's case)."""
    if not as_of:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(as_of)
    if parsed.tzinfo is None:
        raise ValueError(f"as_of {as_of!r} has no time zone; write it as 2026-11-08T06:00:00+00:00")
    return parsed


def versions_of(text: str) -> dict[str, str]:
    """The `versions` run parameter: a JSON object of deployed model id -> served version."""
    mapping = json.loads(text)
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ValueError(f"versions {text!r} is not a JSON object of deployed model id -> version")
    return {str(k): v for k, v in mapping.items()}


def measure(
    requests: str, labels: str, quality: Quality, as_of: datetime, versions: Mapping[str, str], project: str
) -> Measured:
    """bq:// tables through BigQuery (jobs billed to `project`); Parquet files through DuckDB; never a mix."""
    tables = [uri.startswith("bq://") for uri in (requests, labels)]
    if all(tables):
        from google.cloud import bigquery as client_library

        from estaleiro.quality import bigquery

        client = client_library.Client(project=project)
        return bigquery.measure(client, requests, labels, quality, as_of, lookback(quality), versions)
    if any(tables):
        raise ValueError(f"requests {requests!r} and labels {labels!r}: both bq:// tables or both files")
    from estaleiro.quality.local import measure_files

    return measure_files(Path(requests), Path(labels), quality, as_of, lookback(quality), versions)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    report: tuple[str, ...]  # what a person reads: windows per version, verdicts, label counts


def decide(measured: Measured, quality: Quality, served: Mapping[str, str]) -> Decision:
    """The rule per version, and the report; `served` (deployed id -> version) names what serves now."""
    verdict = decline(measured.windows, quality)
    lines = []
    for judged in verdict.versions:
        current = "" if judged.version in served.values() else " (not served now: no points written)"
        lines.append(f"{judged.version}{current}")
        for window in sorted((w for w in measured.windows if w.version == judged.version), key=lambda w: w.start):
            value = window.metrics[quality.metric]
            shown = "undefined" if value is None else f"{value:.4f}"
            why = window.skipped_because(quality)
            status = f"skipped: {why}" if why else ("missed" if window in judged.missed else "met")
            lines.append(
                f"  {window.start:%Y-%m-%d %H:%M} {window.labelled:>6}/{window.predictions:<6} labelled "
                f"({window.coverage:6.1%})  {quality.metric} {shown:>9}  {status}"
            )
        rule = quality.decline
        outcome = "DECLINED" if judged.declined else "holds"
        lines.append(
            f"  {outcome}: missed {len(judged.missed)} of the last {len(judged.judged)} countable windows "
            f"(declined at {rule.windows} of {rule.of})"
        )
    lines.append(
        f"labels: {measured.duplicate_labels} duplicate (the latest won), {measured.unknown_labels} for request "
        f"keys the log never saw; {measured.unreadable} unreadable predictions"
    )
    return Decision(verdict, tuple(lines))
