"""Each rule of TFDV's AlignHistograms, on histograms small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from estaleiro.drift import Histogram, align, histogram_jsd, standard_histogram

INF = math.inf


def hist(*buckets: tuple[float, float, float], nan: float = 0.0) -> Histogram:
    lows, highs, counts = zip(*buckets, strict=True) if buckets else ((), (), ())
    return Histogram(tuple(lows), tuple(highs), tuple(counts), nan)


def test_identical_data_has_no_divergence() -> None:
    h = standard_histogram(np.array([1.0, 2.0, 2.0, 7.5, 3.25, 5.0]))
    assert histogram_jsd(h, h) == 0.0


def test_identical_infinities_still_diverge_as_in_tfdv() -> None:
    """metrics.cc adds each side's infinite mass in its own bucket: the same infinities never match."""
    h = standard_histogram(np.array([1.0, 2.0, INF]))
    # p = (2/3 spread over finite buckets, 1/3, 0), q the same with the last two swapped
    assert histogram_jsd(h, h) == pytest.approx(1 / 3)


def test_disjoint_ranges_diverge_fully() -> None:
    first, second = hist((0, 1, 4)), hist((2, 3, 4))
    assert align(first, second) == ([4, 0, 0], [0, 0, 4])
    assert histogram_jsd(first, second) == 1.0


def test_overlapping_ranges_split_counts_uniformly_at_the_union_of_boundaries() -> None:
    first, second = hist((0, 2, 4)), hist((1, 3, 4))
    assert align(first, second) == ([2, 2, 0], [0, 2, 2])
    # p = (.5, .5, 0), q = (0, .5, .5), m = (.25, .5, .25): each KL is .5 * log2(2) = .5
    assert histogram_jsd(first, second) == pytest.approx(0.5)


def test_point_masses_come_back_as_one_bucket_per_distinct_point() -> None:
    first = hist((0, 10, 10), (5, 5, 10))
    second = hist((0, 10, 20))
    assert align(first, second) == ([10, 10], [20, 0.0])
    # p = (.5, .5), q = (1, 0), m = (.75, .25)
    expected = (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25) + math.log2(1 / 0.75)) / 2
    assert histogram_jsd(first, second) == pytest.approx(expected)


def test_different_points_diverge_fully() -> None:
    assert align(hist((5, 5, 10)), hist((7, 7, 3))) == ([10, 0.0], [0.0, 3])
    assert histogram_jsd(hist((5, 5, 10)), hist((7, 7, 3))) == 1.0


def test_a_constant_reference_against_a_spread_current_diverges_fully() -> None:
    constant = standard_histogram(np.array([5.0] * 4))
    spread = standard_histogram(np.array([4.0, 5.0, 6.0]))
    assert histogram_jsd(constant, spread) == 1.0
    assert histogram_jsd(constant, standard_histogram(np.array([5.0] * 9))) == 0.0


def test_infinities_are_added_back_mismatched_even_when_both_sides_have_them() -> None:
    first, second = hist((0, 1, 3), (INF, INF, 1)), hist((0, 1, 3), (-INF, -INF, 1))
    assert align(first, second) == ([3, 1, 0.0], [3, 0.0, 1])
    # p = (.75, .25, 0), q = (.75, 0, .25), m = (.75, .125, .125): each KL is .25 * log2(2)
    assert histogram_jsd(first, second) == pytest.approx(0.25)


def test_nan_buckets_are_added_crosswise() -> None:
    first, second = hist((0, 1, 2), nan=2), hist((0, 1, 4))
    assert align(first, second) == ([2, 0.0, 2], [4, 0, 0.0])
    # p = (.5, 0, .5), q = (1, 0, 0), m = (.75, 0, .25)
    expected = (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25) + math.log2(1 / 0.75)) / 2
    assert histogram_jsd(first, second) == pytest.approx(expected)


def test_zero_buckets_fill_the_gaps_on_either_side() -> None:
    assert align(hist((1, 2, 6)), hist((0, 1, 1), (1, 2, 1), (2, 3, 1))) == ([0.0, 6, 0.0], [1, 1, 1])


def test_an_empty_side_cannot_be_normalised() -> None:
    with pytest.raises(ValueError, match="empty histogram"):
        histogram_jsd(hist(), hist((0, 1, 1)))
