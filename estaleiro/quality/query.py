"""The quality query (query.sql), written once in BigQuery's dialect and transpiled for DuckDB.

What BigQuery runs in the cloud is what DuckDB runs here: only the table names and the dialect differ.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp

from estaleiro.config.monitoring import Quality
from estaleiro.quality.log_table import REQUEST_KEY

REQUESTS = "request_log"  # the names query.sql reads; `query` swaps in the real tables
LABELS = "ground_truth"
# The columns query.sql reads of each: what a file standing in for a table must have.
REQUEST_COLUMNS = ("deployed_model_id", "logging_time", "request_payload", "response_payload")
LABEL_COLUMNS = (REQUEST_KEY, "label", "label_time")


@cache
def _source() -> str:
    return (Path(__file__).parent / "query.sql").read_text()


def query(dialect: str, requests: str = REQUESTS, labels: str = LABELS) -> str:
    """The query in `dialect` ("bigquery", "duckdb"), reading `requests` and `labels` (bq:// or plain names)."""
    tree = sqlglot.parse_one(_source(), read="bigquery")
    names = {REQUESTS: requests, LABELS: labels}

    def rename(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and not node.db and node.name in names and names[node.name] != node.name:
            return _table(names[node.name]).as_(node.name)
        return node

    return tree.transform(rename).sql(dialect=dialect, pretty=True)


def _table(name: str) -> exp.Table:
    """`bq://project.dataset.table` as a quoted three-part name (projects hold hyphens); else a plain name."""
    parts = name.removeprefix("bq://").split(".")
    if len(parts) == 3:
        catalog, db, table = parts
        return exp.table_(table, db=db, catalog=catalog, quoted=True)
    return exp.to_table(name)


def parameters(quality: Quality, as_of: datetime, windows: int) -> dict[str, object]:
    """The query's parameters: `windows` matured windows back from `as_of` (timezone-aware, UTC)."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware: the request log's times are UTC")
    return {
        "as_of": as_of,
        "window_micros": quality.window_delta // timedelta(microseconds=1),
        "label_delay_micros": quality.label_delay_delta // timedelta(microseconds=1),
        "windows": windows,
    }
