"""The quantiles TFDV reads from tfx_bsl's quantiles sketch, computed on the exact summary.

tfx_bsl's `QuantilesSketch` (tfx_bsl/cc/sketches/quantiles_sketch.cc, eps=0.01, as
`BasicStatsGenerator` makes it) keeps a weighted summary of (value, weight, min_rank,
max_rank) entries. While a stream holds at most 2 * block_size values (11,402 at TFDV's
eps) the summary is exact: the distinct values with their counts. We always use the exact
summary; on larger inputs TFDV's sketch may place a quantile up to eps of rank away from
ours, which moves its histograms, and so its JSD, by far less than the tolerance we promise.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# basic_stats_generator.py: _NUM_QUANTILES_FACTOR_FOR_STD_HISTOGRAM (100) times the
# default num_quantiles_histogram_buckets (10): the quantiles a standard histogram is made of.
NUM_QUANTILES = 1000


def quantiles_and_cumulative_counts(
    ordered: FloatArray, num_quantiles: int = NUM_QUANTILES
) -> tuple[FloatArray, FloatArray]:
    """`num_quantiles + 1` quantiles of sorted, NaN-free `ordered` and the count of values at or below each.

    Mirrors `WeightedQuantilesSummary::GenerateQuantilesAndCumulativeWeights`
    (tfx_bsl/cc/sketches/weighted_quantiles_summary.h) on an exact summary: for rank r it
    targets d = r * total / num_quantiles and returns the first distinct value whose
    cumulative count exceeds d (the last value for r = num_quantiles), with that cumulative
    count (the entry's max_rank). On sorted data that value is `ordered[floor(d)]`.
    """
    total = ordered.size
    ranks = np.arange(num_quantiles + 1, dtype=np.float64)
    targets = np.floor(ranks * float(total) / float(num_quantiles)).astype(np.int64)
    quantiles = ordered[np.minimum(targets, total - 1)]
    counts = np.searchsorted(ordered, quantiles, side="right").astype(np.float64)
    return quantiles, counts
