"""The quality query on DuckDB: what `--local` runs, and what the tests and bench/quality.py measure.

The connection holds the tables `request_log` and `ground_truth` (tables or views); their times are
TIMESTAMP in UTC, as BigQuery's TIMESTAMP is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from estaleiro.config.monitoring import Quality
from estaleiro.quality.query import LABELS, REQUESTS, parameters, query
from estaleiro.quality.windows import Measured, measured


def measure(
    connection: duckdb.DuckDBPyConnection,
    quality: Quality,
    as_of: datetime,
    windows: int,
    versions: Mapping[str, str],
) -> Measured:
    """`windows` matured windows back from `as_of`, deployed model ids named by `versions`."""
    values = parameters(quality, as_of, windows)
    values["as_of"] = as_of.astimezone(UTC).replace(tzinfo=None)  # DuckDB's TIMESTAMP is naive UTC
    cursor = connection.execute(query("duckdb"), values)
    names = [column[0] for column in cursor.description]
    return measured([dict(zip(names, row, strict=True)) for row in cursor.fetchall()], versions)


def measure_files(
    requests: Path, labels: Path, quality: Quality, as_of: datetime, windows: int, versions: Mapping[str, str]
) -> Measured:
    """The query over Parquet files standing in for the request log and the ground-truth table."""
    with duckdb.connect() as connection:
        for table, path in ((REQUESTS, requests), (LABELS, labels)):
            quoted = str(path).replace("'", "''")
            connection.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{quoted}')")
        return measure(connection, quality, as_of, windows, versions)


def missing_columns(path: Path, needed: Sequence[str]) -> list[str]:
    """The columns of `needed` a Parquet file lacks (its schema only is read)."""
    present = set(pq.read_schema(path).names)
    return [column for column in needed if column not in present]
