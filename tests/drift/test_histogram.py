"""TFDV's standard histogram on data small enough to work out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from estaleiro.drift import Histogram, standard_histogram
from estaleiro.drift.quantiles import quantiles_and_cumulative_counts


def test_quantiles_pick_the_first_value_whose_cumulative_count_exceeds_the_rank() -> None:
    ordered = np.array([1.0, 1.0, 2.0, 5.0])
    quantiles, counts = quantiles_and_cumulative_counts(ordered, num_quantiles=4)
    # ranks 0..4 target 0, 1, 2, 3, 4 values: 1 (count 2), 1, 2 (count 3), 5 (count 4), the maximum
    assert quantiles.tolist() == [1.0, 1.0, 2.0, 5.0, 5.0]
    assert counts.tolist() == [2.0, 2.0, 3.0, 4.0, 4.0]


def test_discrete_values_spread_across_buckets_as_tfdv_spreads_them() -> None:
    """Values 1, 2, 3, 4: 1,000 quantile bins, most of them points, and three bins between values.

    Ranks 0-249 land on 1, 250-499 on 2, 500-749 on 3, 750-1000 on 4. The bin (1, 2) shares
    its weight 1 with the 249 point bins ending at 2 (same upper bound): 1/250 each; (2, 3)
    likewise; (3, 4) with 250 points: 1/251. The count at the minimum goes to the bins at 1.
    The bins between values then spread uniformly over the equal-width buckets they cross.
    """
    histogram = standard_histogram(np.array([3.0, 1.0, 4.0, 2.0]))

    a, b, c = 1 / 250, 1 / 250, 1 / 251
    expected = [
        1 + 0.3 * a,
        0.3 * a,
        0.3 * a,
        0.1 * a + 249 / 250 + 0.2 * b,
        0.3 * b,
        0.3 * b,
        0.2 * b + 249 / 250 + 0.1 * c,
        0.3 * c,
        0.3 * c,
        0.3 * c + 250 / 251,
    ]
    assert histogram.lows == pytest.approx(np.linspace(1, 4, 11)[:-1].tolist())
    assert histogram.counts == pytest.approx(expected, rel=1e-9)
    assert histogram.total == pytest.approx(4)


def test_continuous_values_fill_their_buckets() -> None:
    values = np.arange(1000, dtype=np.float64)
    histogram = standard_histogram(values)
    assert histogram.counts == pytest.approx([100] * 10, abs=1)
    assert histogram.total == pytest.approx(1000)
    assert (histogram.lows[0], histogram.highs[-1]) == (0, 999)


def test_a_constant_is_one_point_bucket() -> None:
    histogram = standard_histogram(np.array([5.0, 5.0, 5.0]))
    assert (histogram.lows, histogram.highs) == ((5.0,), (5.0,))
    assert histogram.counts == pytest.approx([3.0])


def test_infinities_get_buckets_of_their_own_and_the_range_is_finite() -> None:
    histogram = standard_histogram(np.array([-math.inf, 0.0, 10.0, math.inf, math.inf]))
    assert (histogram.lows[0], histogram.highs[0], histogram.counts[0]) == (-math.inf, -math.inf, 1.0)
    assert (histogram.lows[-1], histogram.highs[-1], histogram.counts[-1]) == (math.inf, math.inf, 2.0)
    assert histogram.lows[1:-1] == pytest.approx(list(range(0, 10)))
    assert sum(histogram.counts[1:-1]) == pytest.approx(2.0)


def test_only_infinities_make_one_bucket_from_plus_to_minus_infinity() -> None:
    assert standard_histogram(np.array([math.inf, -math.inf])) == Histogram((math.inf,), (-math.inf,), (2.0,))


def test_nan_is_counted_apart() -> None:
    histogram = standard_histogram(np.array([math.nan, 1.0, 2.0]))
    assert histogram.num_nan == 1 and sum(histogram.counts) == pytest.approx(2.0)
    assert standard_histogram(np.array([math.nan])) == Histogram((), (), (), 1.0)
