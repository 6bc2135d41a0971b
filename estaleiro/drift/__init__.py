"""Drift statistics exactly as Vertex AI Model Monitoring (TensorFlow Data Validation) computes them.

Plain functions on Arrow columns and numpy arrays, no I/O. `compare` measures a table pair;
`standard_histogram`, `histogram_jsd`, `l_infinity` and `categorical_jsd` are the pieces.
"""

from estaleiro.drift.align import align
from estaleiro.drift.columns import ValueCounts, numeric_values, value_counts
from estaleiro.drift.compare import (
    DEFAULT_THRESHOLD,
    DriftInputError,
    DriftReport,
    FeatureDrift,
    FeatureKind,
    Metric,
    compare,
    feature_drift,
    infer_kinds,
)
from estaleiro.drift.divergence import aligned_jsd, categorical_jsd, histogram_jsd, l_infinity
from estaleiro.drift.histogram import Histogram, standard_histogram

__all__ = [
    "DEFAULT_THRESHOLD",
    "DriftInputError",
    "DriftReport",
    "FeatureDrift",
    "FeatureKind",
    "Histogram",
    "Metric",
    "ValueCounts",
    "align",
    "aligned_jsd",
    "categorical_jsd",
    "compare",
    "feature_drift",
    "histogram_jsd",
    "infer_kinds",
    "l_infinity",
    "numeric_values",
    "standard_histogram",
    "value_counts",
]
