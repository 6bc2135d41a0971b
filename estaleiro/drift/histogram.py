"""TFDV's standard histogram: equal-width buckets over a side's finite range, counted from quantiles.

Mirrors tensorflow_data_validation/statistics/generators/basic_stats_generator.py
(`_PartialNumericStats.update`, `_make_numeric_stats_proto`) and
tensorflow_data_validation/utils/quantiles_util.py (`generate_equi_width_histogram`,
`_strip_infinities`, `_get_bin_weights`, `_overlap`). The counts are not a plain count of the
values in each bucket: each of the 1,000 quantile bins spreads its weight uniformly over its
range, so discrete data spreads across bucket edges exactly as TFDV spreads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from estaleiro.drift.quantiles import FloatArray, quantiles_and_cumulative_counts

NUM_BUCKETS = 10  # StatsOptions.num_histogram_buckets


@dataclass(frozen=True)
class Histogram:
    """The fields of tensorflow_metadata's `Histogram` proto that drift reads.

    A bucket with low == high is a point mass; buckets at -inf/+inf hold the infinities;
    `num_nan` counts NaN values, which no bucket holds.
    """

    lows: tuple[float, ...]
    highs: tuple[float, ...]
    counts: tuple[float, ...]
    num_nan: float = 0.0

    @property
    def total(self) -> float:
        return math.fsum(self.counts) + self.num_nan


def standard_histogram(values: FloatArray, num_buckets: int = NUM_BUCKETS) -> Histogram:
    """The standard histogram TFDV computes for one side of a numerical feature.

    `values` are one side's values (float64). NaN counts in `num_nan` as in TFDV; callers
    reading tabular data drop NaN first, as `pa.RecordBatch.from_pandas` makes it null.
    """
    nan = np.isnan(values)
    num_nan = float(np.count_nonzero(nan))
    ordered = np.sort(values[~nan] if num_nan else values)
    if ordered.size == 0:  # _make_numeric_stats_proto: only num_nan is set
        return Histogram((), (), (), num_nan)
    finite = ordered[np.isfinite(ordered)]
    finite_min = float(finite[0]) if finite.size else math.inf
    finite_max = float(finite[-1]) if finite.size else -math.inf
    num_pos_inf = float(ordered.size - np.searchsorted(ordered, math.inf, side="left"))
    quantiles, counts = quantiles_and_cumulative_counts(ordered)
    histogram = _equi_width(quantiles, counts, finite_min, finite_max, num_buckets, num_pos_inf)
    return Histogram(histogram.lows, histogram.highs, histogram.counts, num_nan)


def _equi_width(
    quantiles: FloatArray,
    cumulative: FloatArray,
    finite_min: float,
    finite_max: float,
    num_buckets: int,
    num_pos_inf: float,
) -> Histogram:
    """quantiles_util.generate_equi_width_histogram."""
    if not math.isfinite(finite_min) and not math.isfinite(finite_max):
        # No finite value at all: one bucket from +inf to -inf holding everything.
        return Histogram((finite_min,), (finite_max,), (float(cumulative[-1]),))
    quantiles, cumulative, num_neg_inf = _strip_infinities(quantiles, cumulative, finite_max, num_pos_inf)
    lows, highs, weights = _bin_weights(quantiles, cumulative)
    if finite_min == finite_max:
        edges = np.array([finite_min, finite_max])
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is answered just below
            edges = np.linspace(finite_min, finite_max, num_buckets + 1)
        if not np.isfinite(edges).all():  # overflow: TFDV returns an empty histogram
            return Histogram((), (), ())
    counts = _overlap(lows, highs, edges) @ weights
    bucket_lows, bucket_highs, bucket_counts = list(edges[:-1]), list(edges[1:]), list(counts)
    if num_neg_inf:
        bucket_lows.insert(0, -math.inf)
        bucket_highs.insert(0, -math.inf)
        bucket_counts.insert(0, num_neg_inf)
    if num_pos_inf:
        bucket_lows.append(math.inf)
        bucket_highs.append(math.inf)
        bucket_counts.append(num_pos_inf)
    return Histogram(tuple(map(float, bucket_lows)), tuple(map(float, bucket_highs)), tuple(map(float, bucket_counts)))


def _strip_infinities(
    quantiles: FloatArray, cumulative: FloatArray, finite_max: float, num_pos_inf: float
) -> tuple[FloatArray, FloatArray, float]:
    """quantiles_util._strip_infinities: drop quantiles at +-inf, keep the count of -inf."""
    neg_inf_idx = int(np.searchsorted(quantiles, -math.inf, side="right"))
    num_neg_inf = 0.0
    if neg_inf_idx:
        num_neg_inf = float(cumulative[neg_inf_idx - 1])
        quantiles = quantiles[neg_inf_idx:]
        cumulative = cumulative[neg_inf_idx:] - num_neg_inf
    if num_pos_inf:
        pos_inf_idx = int(np.searchsorted(quantiles, math.inf, side="left"))
        finite_max_count = cumulative[-1] - num_pos_inf
        quantiles = np.concatenate([quantiles[:pos_inf_idx], [finite_max]])
        cumulative = np.concatenate([cumulative[:pos_inf_idx], [finite_max_count]])
    return quantiles, cumulative, num_neg_inf


def _bin_weights(quantiles: FloatArray, cumulative: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """quantiles_util._get_bin_weights: bins between consecutive quantiles and their weights.

    Bins sharing an upper bound share their weight evenly; the count at the first quantile
    (the minimum's) is spread over the leading bins identical to the first.
    """
    lows, highs = quantiles[:-1], quantiles[1:]
    weights = np.diff(cumulative.astype(np.float64))
    if lows.size == 0:
        return lows, highs, weights
    runs = np.concatenate([[0], np.cumsum(highs[1:] != highs[:-1])])
    weights = (np.bincount(runs, weights) / np.bincount(runs))[runs]
    same_as_first = (lows == lows[0]) & (highs == highs[0])
    leading = int(np.argmin(same_as_first)) if not same_as_first.all() else lows.size
    weights[:leading] += cumulative[0] / leading
    return lows, highs, weights


def _overlap(lows: FloatArray, highs: FloatArray, edges: FloatArray) -> FloatArray:
    """quantiles_util._overlap for every (interval, bin) pair: the share of each bin in each interval.

    `generate_equi_width_histogram` sums these over the bins it visits; the bins it skips
    entirely precede or follow the interval and have no share, so summing over all is the same.
    """
    low_bound = edges[:-1, None]
    high_bound = edges[1:, None]
    first = np.zeros_like(low_bound, dtype=bool)
    first[0] = True
    point_on_low = (highs == lows) & (lows == low_bound)
    width = highs - lows
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # branches np.select discards
        share = np.select(
            [
                point_on_low & first,  # case 0: a point on the first interval's left edge
                point_on_low,  # ... on any other interval's left edge belongs to the interval before
                highs < low_bound,  # case 1: precedes
                lows > high_bound,  # case 2: follows
                (low_bound <= lows) & (high_bound >= highs),  # case 3: contained
                low_bound <= lows,  # case 4: the interval overlaps the bin on the left
                high_bound >= highs,  # case 5: ... on the right
            ],
            [
                np.ones_like(width),
                np.zeros_like(width),
                np.zeros_like(width),
                np.zeros_like(width),
                np.ones_like(width),
                (high_bound - lows) / width,
                (highs - low_bound) / width,
            ],
            default=(high_bound - low_bound) / width,  # case 6: the interval lies inside the bin
        )
    result: FloatArray = share
    return result
