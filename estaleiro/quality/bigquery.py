"""The quality query in BigQuery: what a scheduled model-quality run executes in the cloud.

The values of `parameters()` travel as named query parameters (`@as_of` ...), never spliced into the
text, so the statement BigQuery runs is byte for byte the one `query("bigquery", ...)` returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from google.cloud import bigquery

from estaleiro.config.monitoring import Quality
from estaleiro.quality.query import parameters, query
from estaleiro.quality.windows import Measured, measured


def query_parameters(values: Mapping[str, object]) -> list[bigquery.ScalarQueryParameter]:
    """query.sql's parameters typed as its header declares them: @as_of TIMESTAMP, the others INT64."""
    typed = []
    for name, value in values.items():
        assert isinstance(value, datetime | int), (name, value)
        typed.append(
            bigquery.ScalarQueryParameter(name, "TIMESTAMP" if isinstance(value, datetime) else "INT64", value)
        )
    return typed


def measure(
    client: bigquery.Client,
    requests: str,
    labels: str,
    quality: Quality,
    as_of: datetime,
    windows: int,
    versions: Mapping[str, str],
) -> Measured:
    """`windows` matured windows back from `as_of` of the tables `requests` and `labels` (bq://...)."""
    config = bigquery.QueryJobConfig(query_parameters=query_parameters(parameters(quality, as_of, windows)))
    rows = client.query(query("bigquery", requests, labels), job_config=config).result()
    return measured([dict(row.items()) for row in rows], versions)
