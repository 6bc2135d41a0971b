"""The quality query on DuckDB over 10,000,000 logged predictions and their late labels.

Ten days of 1,000,000 requests (v6 90 %, v7 10 %), 80 % labelled, 1 % labelled twice; v6's quality
declines from day 5. Prints the query's time (median of 3 runs, tables already loaded, 2 threads) and
rows per second, then the same windows computed the straightforward way (pandas, json.loads per
response, scikit-learn's metrics per window: estaleiro/quality/reference.py) and the ratio; checks
both agree. Run: .venv/bin/python bench/quality.py
"""

from __future__ import annotations

import resource
import statistics
import time
from datetime import UTC, datetime

import duckdb
import numpy as np

from estaleiro.config.monitoring import Quality
from estaleiro.quality import reference
from estaleiro.quality.generate import served_days, served_log
from estaleiro.quality.local import measure
from estaleiro.quality.windows import METRIC_COLUMNS

DAYS = 10
PER_DAY = 1_000_000
REPEATS = 3
START = datetime(2026, 11, 1)
AS_OF = datetime(2026, 11, 13, tzinfo=UTC)  # label delay 2d: days 1..10 have matured
RULE = Quality.model_validate(
    {"labels": "bq://acme-ml-dev.churn.ground_truth", "labelDelay": "2d", "window": "1d", "threshold": {"min": 0.75}}
)
VERSIONS = {"1001": "v6", "1002": "v7"}
DRIFT = {"1001": [0.0] * 4 + [0.1 * d for d in range(1, 7)], "1002": [0.0] * DAYS}


def main() -> None:
    started = time.perf_counter()
    con = duckdb.connect(config={"threads": 2, "memory_limit": "6GB"})
    log, truth = served_log(served_days(START, DRIFT, PER_DAY, traffic={"1001": 0.9, "1002": 0.1}, seed=1))
    con.register("log_frame", log)
    con.register("labels_frame", truth)
    con.execute("CREATE TABLE request_log AS SELECT * FROM log_frame")
    con.execute("CREATE TABLE ground_truth AS SELECT * FROM labels_frame")
    con.unregister("log_frame")
    con.unregister("labels_frame")
    generated = time.perf_counter() - started
    print(f"generated {len(log):,} logged predictions and {len(truth):,} labels in {generated:.1f} s")

    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        measured = measure(con, RULE, AS_OF, DAYS, VERSIONS)
        times.append(time.perf_counter() - began)
    ours = statistics.median(times)
    print(
        f"DuckDB quality query: {ours:.2f} s median of {REPEATS} ({min(times):.2f}-{max(times):.2f}), "
        f"{len(log) / ours:,.0f} logged predictions/s, {len(measured.windows)} windows"
    )

    began = time.perf_counter()
    expected = reference.windows(log, truth, RULE, AS_OF, DAYS)
    plain = time.perf_counter() - began
    print(f"pandas + scikit-learn, straightforward: {plain:.2f} s, {len(log) / plain:,.0f} rows/s")
    print(f"ratio: DuckDB is {plain / ours:.1f}x faster")

    for window, row in zip(measured.windows, expected.itertuples(), strict=True):
        assert (window.predictions, window.labelled) == (row.predictions, row.labelled), window
        for name in METRIC_COLUMNS:
            assert np.isclose(window.metrics[name] or np.nan, getattr(row, name), rtol=1e-9), (window, name)
    v6 = [round(w.metrics["auc"] or 0, 3) for w in measured.windows if w.version == "v6"]
    print(f"both agree on every window and metric; v6 AUC per day: {v6}")
    print(f"duplicate labels {measured.duplicate_labels:,}, unknown ids {measured.unknown_labels:,}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB")


if __name__ == "__main__":
    main()
