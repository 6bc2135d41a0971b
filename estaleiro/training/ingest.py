"""Read the training rows: a BigQuery table in the cloud, a Parquet or CSV file anywhere else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from estaleiro.errors import InvalidInput, Problem


def read_rows(uri: str) -> pd.DataFrame:
    """`bq://project.dataset.table` through the BigQuery API; `.parquet`/`.csv` paths (local or gs://) directly."""
    if uri.startswith("bq://"):
        return _bigquery(uri.removeprefix("bq://"))
    suffix = Path(uri).suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise InvalidInput([Problem(uri, "", "training data is a bq:// table or a .parquet or .csv file")])
    try:
        return pd.read_parquet(uri) if suffix == ".parquet" else pd.read_csv(uri)
    except (OSError, ValueError) as err:
        raise InvalidInput([Problem(uri, "", f"cannot read training data: {err}")]) from err


def _bigquery(table: str) -> pd.DataFrame:
    from google.cloud import bigquery

    project = table.split(".", 1)[0]
    client = bigquery.Client(project=project)
    return client.list_rows(table).to_arrow().to_pandas()
