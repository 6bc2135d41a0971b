"""Drift of every monitored feature between a reference and a current table: one immutable result each.

The entry point the CLI, the training pipeline's validation step and the monitoring code
share: `compare(reference, current, features, ...)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import pyarrow as pa

from estaleiro.drift.columns import Column, NotNumeric, ValueCounts, numeric_values, value_counts
from estaleiro.drift.divergence import categorical_jsd, histogram_jsd, l_infinity
from estaleiro.drift.histogram import Histogram, standard_histogram

Side = Literal["reference", "current"]
DEFAULT_THRESHOLD = 0.3  # Vertex AI Model Monitoring's default alert threshold for both metrics


class FeatureKind(StrEnum):
    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"


class Metric(StrEnum):
    """The names Vertex AI's DataDriftSpec uses for its metric types."""

    L_INFINITY = "l_infinity"
    JENSEN_SHANNON_DIVERGENCE = "jensen_shannon_divergence"


class DriftInputError(ValueError):
    """A column that cannot be measured; `side` says which input, so the caller can name its file."""

    def __init__(self, feature: str, side: Side | None, message: str) -> None:
        self.feature, self.side, self.message = feature, side, message
        super().__init__(f"{side or 'both'}: column {feature!r}: {message}")


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's score against its threshold, and the two distributions it came from."""

    feature: str
    kind: FeatureKind
    metric: Metric
    score: float
    threshold: float
    reference: Histogram | ValueCounts
    current: Histogram | ValueCounts

    @property
    def drifted(self) -> bool:
        """TFDV reports a drift anomaly when the distance is strictly above the threshold."""
        return self.score > self.threshold


@dataclass(frozen=True)
class DriftReport:
    """Every feature, worst first (furthest above its threshold)."""

    features: tuple[FeatureDrift, ...]
    inferred: frozenset[str] = field(default=frozenset())  # features whose type was guessed from the data

    @property
    def drifted(self) -> tuple[FeatureDrift, ...]:
        return tuple(f for f in self.features if f.drifted)


def infer_kinds(table: pa.Table) -> dict[str, FeatureKind]:
    """Numbers are numerical; text, booleans and anything else are categorical."""
    kinds = {}
    for name, kind in zip(table.column_names, table.schema.types, strict=True):
        value = kind.value_type if pa.types.is_dictionary(kind) else kind
        numeric = pa.types.is_integer(value) or pa.types.is_floating(value) or pa.types.is_decimal(value)
        kinds[name] = FeatureKind.NUMERICAL if numeric else FeatureKind.CATEGORICAL
    return kinds


def compare(
    reference: pa.Table,
    current: pa.Table,
    features: Mapping[str, FeatureKind],
    *,
    default_threshold: float = DEFAULT_THRESHOLD,
    thresholds: Mapping[str, float] | None = None,
    categorical_metric: Metric = Metric.L_INFINITY,
    inferred: frozenset[str] = frozenset(),
) -> DriftReport:
    """Drift of each of `features` (name -> kind) from `reference` to `current`.

    Numerical features: JSD of TFDV's standard histograms. Categorical: `categorical_metric`
    of the value counts (Vertex's default, L-infinity, or JSD). `inferred` names the features
    whose type was guessed rather than declared, for the reports. Raises `DriftInputError`.
    """
    overrides = thresholds or {}
    for name in features:
        for side, table in (("reference", reference), ("current", current)):
            if name not in table.column_names:
                raise DriftInputError(name, side, "no such column")  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=2) as pool:  # numpy's sort and Arrow's kernels release the GIL
        results = list(
            pool.map(
                lambda item: feature_drift(
                    item[0],
                    item[1],
                    reference.column(item[0]),
                    current.column(item[0]),
                    threshold=overrides.get(item[0], default_threshold),
                    categorical_metric=categorical_metric,
                ),
                features.items(),
            )
        )
    results.sort(key=lambda f: (f.threshold - f.score, f.feature))
    return DriftReport(tuple(results), inferred)


def feature_drift(
    name: str,
    kind: FeatureKind,
    reference: Column,
    current: Column,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    categorical_metric: Metric = Metric.L_INFINITY,
) -> FeatureDrift:
    """One feature's drift from two columns (Arrow arrays)."""
    if kind is FeatureKind.NUMERICAL:
        before, after = _histogram(name, "reference", reference), _histogram(name, "current", current)
        return FeatureDrift(
            name, kind, Metric.JENSEN_SHANNON_DIVERGENCE, histogram_jsd(before, after), threshold, before, after
        )
    counts_before, counts_after = _counts(name, "reference", reference), _counts(name, "current", current)
    distance = l_infinity if categorical_metric is Metric.L_INFINITY else categorical_jsd
    score = distance(counts_before.as_mapping(), counts_after.as_mapping())
    return FeatureDrift(name, kind, categorical_metric, score, threshold, counts_before, counts_after)


def _histogram(name: str, side: Side, column: Column) -> Histogram:
    try:
        values = numeric_values(column)
    except NotNumeric as err:
        raise DriftInputError(name, side, f"numerical feature {err}") from None
    if values.size == 0:
        raise DriftInputError(name, side, "no values: every row is missing")
    histogram = standard_histogram(values)
    if not histogram.counts:  # TFDV's answer when max - min overflows; its JSD would divide by zero
        low, high = float(values.min()), float(values.max())
        raise DriftInputError(
            name, side, f"values from {low:g} to {high:g} span more than a float holds; rescale the column"
        )
    return histogram


def _counts(name: str, side: Side, column: Column) -> ValueCounts:
    counts = value_counts(column)
    if not counts.values:
        raise DriftInputError(name, side, "no values: every row is missing")
    return counts
