"""Properties any data must keep: JSD symmetric and in [0, 1], L-infinity too, row order irrelevant."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estaleiro.drift import categorical_jsd, histogram_jsd, l_infinity, standard_histogram, value_counts

# Discrete values (ties, point masses), continuous ones, and the infinities TFDV buckets apart.
VALUE = st.one_of(
    st.integers(-5, 5).map(float),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([math.inf, -math.inf]),
)
SIDE = st.lists(VALUE, min_size=1, max_size=300)
CATEGORIES = st.lists(st.sampled_from(["a", "b", "c", "d", "é", ""]), min_size=1, max_size=200)


@settings(max_examples=150, deadline=None)
@given(SIDE, SIDE)
def test_jsd_is_symmetric_and_bounded(first: list[float], second: list[float]) -> None:
    a, b = standard_histogram(np.array(first)), standard_histogram(np.array(second))
    forward, backward = histogram_jsd(a, b), histogram_jsd(b, a)
    assert forward == pytest.approx(backward, abs=1e-12)
    assert 0.0 <= forward <= 1.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 5).map(float), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1))
def test_finite_data_against_itself_is_zero(values: list[float]) -> None:
    h = standard_histogram(np.array(values))
    assert histogram_jsd(h, h) == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(SIDE, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(values: list[float], rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(values)
    rng.shuffle(shuffled)
    assert standard_histogram(np.array(values)) == standard_histogram(np.array(shuffled))


@settings(max_examples=150, deadline=None)
@given(CATEGORIES, CATEGORIES, st.randoms(use_true_random=False))
def test_categorical_distances_are_symmetric_bounded_and_order_free(first: list[str], second: list[str], rng) -> None:  # type: ignore[no-untyped-def]
    a, b = value_counts(pa.array(first)).as_mapping(), value_counts(pa.array(second)).as_mapping()
    shuffled = list(first)
    rng.shuffle(shuffled)
    assert value_counts(pa.array(shuffled)) == value_counts(pa.array(first))
    assert l_infinity(a, b) == pytest.approx(l_infinity(b, a), abs=1e-15)
    assert categorical_jsd(a, b) == pytest.approx(categorical_jsd(b, a), abs=1e-12)
    assert 0.0 <= l_infinity(a, b) <= 1.0 and 0.0 <= categorical_jsd(a, b) <= 1.0
