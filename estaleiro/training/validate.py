"""Data validation: the schema the manifest declares, then drift against the champion's training data.

Drift is measured by `estaleiro.drift`, the library `estaleiro drift` and Model Monitoring's
definitions share, with the manifest's thresholds; its HTML report is the step's artifact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from estaleiro.drift import DriftInputError, FeatureKind, Metric, compare
from estaleiro.drift.html import write_html_report
from estaleiro.training.schema import schema_problems
from estaleiro.training.spec import TrainingSpec


@dataclass(frozen=True)
class Outcome:
    problems: tuple[str, ...]  # empty: fit to train on
    worst: str  # the feature that drifted most relative to its threshold
    worst_score: float


def validate_rows(rows: pd.DataFrame, baseline: pd.DataFrame, spec: TrainingSpec, report: str) -> Outcome:
    data = spec.training.data
    problems = schema_problems(rows, spec.features, data.label, data.max_missing_rate)
    if problems:
        return Outcome(tuple(problems), "", 0.0)
    drift = spec.monitoring.drift
    try:
        result = compare(
            pa.Table.from_pandas(baseline, preserve_index=False),
            pa.Table.from_pandas(rows, preserve_index=False),
            {name: FeatureKind(kind) for name, kind in spec.features.items()},
            default_threshold=drift.default_threshold,
            thresholds=drift.thresholds,
            categorical_metric=Metric(drift.categorical_metric),
        )
    except DriftInputError as err:
        return Outcome((f"baseline and training data cannot be compared: {err}",), "", 0.0)
    write_html_report(result, Path(report), reference="baseline (champion's training data)", current="training data")
    worst = result.features[0]
    drifted = tuple(f"{f.feature} drifted: {f.metric} {f.score:.4f} > {f.threshold}" for f in result.drifted)
    return Outcome(drifted, worst.feature, worst.score)
