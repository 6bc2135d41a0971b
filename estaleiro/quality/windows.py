"""One measured window of one deployed version, as the quality query reports it."""

from __future__ import annotations

import json
import math
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from estaleiro.config.monitoring import Quality, QualityMetric

METRIC_COLUMNS: tuple[str, ...] = typing.get_args(QualityMetric)  # query.sql returns a column of each


@dataclass(frozen=True)
class Window:
    """A window's predictions, how many were labelled, and the metrics SQL computed (None when undefined)."""

    start: datetime
    end: datetime
    version: str
    predictions: int
    labelled: int
    coverage: float
    metrics: Mapping[str, float | None]

    def countable(self, quality: Quality) -> bool:
        """Enough labels, and the metric defined (AUC needs both classes): only then can it count as a decline."""
        return self.skipped_because(quality) is None

    def skipped_because(self, quality: Quality) -> str | None:
        """Why this window cannot count under `quality`, or None when it counts."""
        if self.coverage < quality.minimum_coverage:
            return f"coverage {self.coverage:.1%} below the minimum {quality.minimum_coverage:.1%}"
        if self.metrics.get(quality.metric) is None:
            return f"{quality.metric} undefined (no labelled prediction, or labels of one class only)"
        return None


@dataclass(frozen=True)
class Measured:
    """Every window of one run, and what the labels table held that no window could use."""

    windows: tuple[Window, ...]
    duplicate_labels: int  # extra labels of a request already labelled; the latest won
    unknown_labels: int  # labelled requests the log never saw
    unreadable: int  # logged responses without a readable score


def measured(rows: list[Mapping[str, object]], versions: Mapping[str, str]) -> Measured:
    """The query's rows, deployed model ids named by `versions` (an id not named keeps its id)."""
    windows = tuple(
        Window(
            start=_utc(row["window_start"]),
            end=_utc(row["window_end"]),
            version=versions.get(str(row["deployed_model_id"]), str(row["deployed_model_id"])),
            predictions=int(str(row["predictions"])),
            labelled=int(str(row["labelled"])),
            coverage=_number(row["coverage"]) or 0.0,  # no readable prediction: nothing covered
            metrics={name: _number(row[name]) for name in METRIC_COLUMNS},
        )
        for row in rows
    )
    first = rows[0] if rows else {}
    return Measured(
        windows=windows,
        duplicate_labels=int(str(first.get("duplicate_labels", 0))),
        unknown_labels=int(str(first.get("unknown_labels", 0))),
        unreadable=sum(int(str(row["unreadable"])) for row in rows),
    )


def dump(measured: Measured) -> str:
    """The pipeline's windows artifact: what the measure step hands the decide step, and people read."""
    return json.dumps(
        {
            "windows": [
                {**asdict(w), "start": w.start.isoformat(), "end": w.end.isoformat(), "metrics": dict(w.metrics)}
                for w in measured.windows
            ],
            "duplicate_labels": measured.duplicate_labels,
            "unknown_labels": measured.unknown_labels,
            "unreadable": measured.unreadable,
        },
        indent=2,
    )


def load(text: str) -> Measured:
    document = json.loads(text)
    windows = tuple(
        Window(**{**w, "start": datetime.fromisoformat(w["start"]), "end": datetime.fromisoformat(w["end"])})
        for w in document["windows"]
    )
    return Measured(windows, document["duplicate_labels"], document["unknown_labels"], document["unreadable"])


def _utc(value: object) -> datetime:
    """BigQuery returns aware UTC times; DuckDB's TIMESTAMP comes back naive, in UTC."""
    assert isinstance(value, datetime), value
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(str(value))
    return None if math.isnan(number) else number
