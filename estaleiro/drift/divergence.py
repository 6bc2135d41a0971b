"""The two distances Vertex AI Model Monitoring reports, as TFDV computes them.

Mirrors tensorflow_data_validation/anomalies/metrics.cc: `JensenShannonDivergence` (on
histograms: `AlignHistograms`, `NormalizeHistogram`, `KullbackLeiblerDivergence`; on value
counts: the map overload) and `LInftyDistance` (`MaxNormalizedDifference` with separately
normalised totals, map_util.cc's `Normalize` and `GetDifference`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from estaleiro.drift.align import align
from estaleiro.drift.histogram import Histogram


def histogram_jsd(reference: Histogram, current: Histogram) -> float:
    """JSD (log base 2, capped at 1) of two standard histograms after TFDV's alignment."""
    counts_1, counts_2 = align(reference, current)
    return aligned_jsd(counts_1, counts_2)


def aligned_jsd(counts_1: Sequence[float], counts_2: Sequence[float]) -> float:
    """JSD of two count vectors over the same buckets; each is normalised to sum to 1 first."""
    p, q = _normalised(counts_1), _normalised(counts_2)
    m = (p + q) / 2
    return min((_kl(p, m) + _kl(q, m)) / 2, 1.0)


def _normalised(counts: Sequence[float]) -> np.ndarray:
    vector = np.asarray(counts, dtype=np.float64)
    total = vector.sum()
    if total == 0:
        raise ValueError("Unable to normalize an empty histogram")
    normalised: np.ndarray = vector / total
    return normalised


def _kl(p: np.ndarray, m: np.ndarray) -> float:
    """KullbackLeiblerDivergence: only buckets where both are positive contribute."""
    both = (p > 0) & (m > 0)
    return float(np.sum(p[both] * np.log2(p[both] / m[both])))


def l_infinity(reference: Mapping[str, float], current: Mapping[str, float]) -> float:
    """Largest absolute difference of separately normalised frequencies over the union of values."""
    reference_total, current_total = _total(reference), _total(current)
    differences = dict(_scaled(reference, reference_total))
    for value, frequency in _scaled(current, current_total):
        differences[value] = differences.get(value, 0.0) - frequency
    return max((abs(d) for d in differences.values()), default=0.0)


def categorical_jsd(reference: Mapping[str, float], current: Mapping[str, float]) -> float:
    """The map overload of JensenShannonDivergence: JSD over the union of values, capped at 1."""
    if not reference or not current:
        raise ValueError("Input maps must not be empty.")
    reference_total, current_total = _total(reference), _total(current)
    result = 0.0
    for value in sorted(reference.keys() | current.keys()):
        a = reference.get(value, 0.0) / reference_total
        b = current.get(value, 0.0) / current_total
        m = (a + b) / 2
        if a:
            result += a * float(np.log2(a / m))
        if b:
            result += b * float(np.log2(b / m))
    return min(result / 2, 1.0)


def _total(counts: Mapping[str, float]) -> float:
    """SumValues: summed in key order, as std::map iterates."""
    total = 0.0
    for value in sorted(counts):
        total += counts[value]
    return total


def _scaled(counts: Mapping[str, float], total: float) -> list[tuple[str, float]]:
    """Normalize: unchanged when the total is 0."""
    return [(value, count / total if total else count) for value, count in counts.items()]
