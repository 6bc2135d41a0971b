"""Two histograms brought onto the same buckets, exactly as TFDV aligns them before a JSD.

Mirrors `AlignHistograms` in tensorflow_data_validation/anomalies/metrics.cc (with
`StripPointAndInfiniteBuckets`, `GetHistogramBoundaries`, `RebucketHistogram`,
`AddBucketsToHistogram` and `AddPointMasses`).
"""

from __future__ import annotations

import math
from collections import defaultdict

from estaleiro.drift.histogram import Histogram

Bucket = tuple[float, float, float]  # low, high, count


def align(first: Histogram, second: Histogram) -> tuple[list[float], list[float]]:
    """The two histograms' counts over one shared list of buckets (not normalised).

    Point masses and buckets with an infinite bound are set aside; the remaining ranges are
    cut at the union of both sides' boundaries, each bucket's count spread uniformly over
    the pieces it covers; then the point masses come back one bucket per distinct point,
    each side's infinite mass in a bucket of its own that the other side has empty, and,
    when either side has NaN, two buckets holding each side's NaN count crosswise.
    """
    buckets_1, points_1, infinite_1 = _strip(first)
    buckets_2, points_2, infinite_2 = _strip(second)
    edges_1, edges_2 = _boundaries(buckets_1), _boundaries(buckets_2)
    if edges_1 != edges_2:
        edges = sorted(edges_1 | edges_2)
        buckets_1, buckets_2 = _rebucket(edges, buckets_1), _rebucket(edges, buckets_2)
    counts_1 = [count for _, _, count in buckets_1]
    counts_2 = [count for _, _, count in buckets_2]
    for point in sorted(points_1.keys() | points_2.keys()):
        counts_1.append(points_1.get(point, 0.0))
        counts_2.append(points_2.get(point, 0.0))
    if infinite_1:
        counts_1.append(infinite_1)
        counts_2.append(0.0)
    if infinite_2:
        counts_1.append(0.0)
        counts_2.append(infinite_2)
    if first.num_nan > 0 or second.num_nan > 0:
        counts_1 += [0.0, first.num_nan]
        counts_2 += [second.num_nan, 0.0]
    return counts_1, counts_2


def _strip(histogram: Histogram) -> tuple[list[Bucket], dict[float, float], float]:
    """StripPointAndInfiniteBuckets: ranged finite buckets, point masses by value, infinite mass."""
    ranged: list[Bucket] = []
    points: dict[float, float] = defaultdict(float)
    infinite = 0.0
    for low, high, count in zip(histogram.lows, histogram.highs, histogram.counts, strict=True):
        if not (math.isfinite(low) and math.isfinite(high)):
            infinite += count
        elif low == high:
            points[low] += count
        else:
            ranged.append((low, high, count))
    return ranged, points, infinite


def _boundaries(buckets: list[Bucket]) -> set[float]:
    return {edge for low, high, _ in buckets for edge in (low, high)}


def _rebucket(edges: list[float], buckets: list[Bucket]) -> list[Bucket]:
    """RebucketHistogram: cut `buckets` at `edges` (a superset of their bounds), zero where none."""
    result: list[Bucket] = []
    index = 0
    for low, high, count in buckets:
        while low > edges[index]:
            result.append((edges[index], edges[index + 1], 0.0))
            index += 1
        covered = [edges[index]]
        while high > edges[index]:
            index += 1
            covered.append(edges[index])
        result += [
            (covered[i], covered[i + 1], (covered[i + 1] - covered[i]) / (high - low) * count)
            for i in range(len(covered) - 1)
        ]
    result += [(edges[i], edges[i + 1], 0.0) for i in range(index, len(edges) - 1)]
    return result
