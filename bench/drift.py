"""Drift of 1,000,000 rows x 20 features (10 numerical, 10 categorical) per side, from Parquet, end to end.

Prints the time of `read_table` + `compare` (target: under 1 s on 2 cores), peak memory, and
the same statistics computed the straightforward way (pandas value_counts, numpy.histogram +
scipy's jensenshannon per feature) with the ratio. Run: .venv/bin/python bench/drift.py
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from estaleiro.datasets import read_table
from estaleiro.drift import FeatureKind, compare

ROWS = 1_000_000
NUMERICAL = [f"num_{i}" for i in range(10)]
CATEGORICAL = [f"cat_{i}" for i in range(10)]
REPEATS = 5


def side(seed: int, shift: float) -> pa.Table:
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {}
    for i, name in enumerate(NUMERICAL):
        if i % 3 == 0:  # discrete counts, TFDV's hardest case for spreading
            columns[name] = pa.array(rng.poisson(3 + shift, ROWS))
        else:
            columns[name] = pa.array(rng.normal(50 + 10 * shift, 10, ROWS))
    for i, name in enumerate(CATEGORICAL):
        labels = np.array([f"value_{j}" for j in range(5 + 5 * i)])
        columns[name] = pa.array(labels[rng.zipf(1.5 + shift, ROWS) % labels.size])
    return pa.table(columns)


def ours(reference: str, current: str) -> dict[str, float]:
    kinds = {name: FeatureKind.NUMERICAL for name in NUMERICAL} | {n: FeatureKind.CATEGORICAL for n in CATEGORICAL}
    report = compare(read_table(reference), read_table(current), kinds)
    return {f.feature: f.score for f in report.features}


def straightforward(reference: str, current: str) -> dict[str, float]:
    import pandas as pd
    from scipy.spatial.distance import jensenshannon

    before, after = pd.read_parquet(reference), pd.read_parquet(current)
    scores = {}
    for name in NUMERICAL:
        a, b = before[name].dropna().to_numpy(), after[name].dropna().to_numpy()
        edges = np.histogram_bin_edges(np.concatenate([a, b]), bins=10)
        p, q = np.histogram(a, edges)[0], np.histogram(b, edges)[0]
        scores[name] = float(jensenshannon(p, q, base=2) ** 2)
    for name in CATEGORICAL:
        p, q = before[name].value_counts(normalize=True), after[name].value_counts(normalize=True)
        p, q = p.align(q, fill_value=0.0)
        scores[name] = float((p - q).abs().max())
    return scores


def timed(run, reference: str, current: str) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run(reference, current)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        reference, current = str(Path(folder) / "reference.parquet"), str(Path(folder) / "current.parquet")
        pq.write_table(side(1, 0.0), reference)
        pq.write_table(side(2, 0.1), current)
        ours(reference, current)  # warm the imports and the page cache
        fast = timed(ours, reference, current)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        slow = timed(straightforward, reference, current)
    print(f"estaleiro drift, {ROWS:,} rows x 20 features per side, Parquet, read + statistics:")
    print(f"  median of {REPEATS}: {fast:.3f} s (target < 1 s); peak memory (RSS, whole process so far) {peak:.0f} MB")
    print(f"  straightforward (pandas value_counts, numpy.histogram + scipy jensenshannon): {slow:.3f} s")
    print(f"  ratio: {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
