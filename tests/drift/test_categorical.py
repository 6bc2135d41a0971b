"""L-infinity and categorical JSD as TFDV computes them from its rank histogram."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from estaleiro.drift import FeatureKind, Metric, categorical_jsd, feature_drift, l_infinity, value_counts
from estaleiro.drift.columns import RANK_HISTOGRAM_BUCKETS


def test_l_infinity_normalises_each_side_separately() -> None:
    # reference a .5 b .5; current a .25 b .25 c .5: the largest gap is c's .5
    assert l_infinity({"a": 2, "b": 2}, {"a": 1, "b": 1, "c": 2}) == 0.5
    assert l_infinity({"a": 3, "b": 1}, {"a": 30, "b": 10}) == 0.0


def test_missing_values_are_not_a_category() -> None:
    counts = value_counts(pa.array(["a", None, "b", None, "a"]))
    assert counts.as_mapping() == {"a": 2.0, "b": 1.0}


def test_categorical_jsd_of_disjoint_values_is_one() -> None:
    assert categorical_jsd({"a": 5}, {"b": 2}) == 1.0
    # p = (.5, .5), q = (1, 0), m = (.75, .25)
    expected = (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25) + math.log2(1 / 0.75)) / 2
    assert categorical_jsd({"a": 1, "b": 1}, {"a": 4}) == pytest.approx(expected)


def test_only_the_rank_histogram_counts_most_frequent_first_larger_value_on_ties() -> None:
    values = [f"v{i:04d}" for i in range(RANK_HISTOGRAM_BUCKETS + 5)] + ["v0000"] * 3
    counts = value_counts(pa.array(values))
    assert len(counts.values) == RANK_HISTOGRAM_BUCKETS
    assert counts.values[:3] == ("v0000", "v1004", "v1003")  # v0000 has 4; then ties, larger value first
    assert "v0001" not in counts.values


def test_booleans_and_numbers_declared_categorical_count_as_text() -> None:
    drift = feature_drift("paperless", FeatureKind.CATEGORICAL, pa.array([True, False, True]), pa.array([True]))
    assert drift.metric is Metric.L_INFINITY
    assert drift.reference.as_mapping() == {"true": 2.0, "false": 1.0}  # type: ignore[union-attr]
    assert drift.score == pytest.approx(1 / 3)
    assert drift.drifted and drift.threshold == 0.3  # 1/3 is above Vertex's default 0.3
