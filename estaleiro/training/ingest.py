"""Read the training rows: a BigQuery table in the cloud, a Parquet or CSV file anywhere else."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from estaleiro.errors import EstaleiroError, InvalidInput, Problem

if TYPE_CHECKING:
    from google.cloud import bigquery


def read_rows(uri: str, warehouse: bigquery.Client | None = None) -> pd.DataFrame:
    """`bq://project.dataset.table` through the BigQuery API; `.parquet`/`.csv` paths (local or gs://) directly.

    `warehouse` is the BigQuery client to read with; by default one for the table's project with the
    environment's credentials (the pipeline runner's service account).
    """
    if uri.startswith("bq://"):
        return _bigquery(uri, warehouse)
    suffix = Path(uri).suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise InvalidInput([Problem(uri, "", "training data is a bq:// table or a .parquet or .csv file")])
    try:
        return pd.read_parquet(uri) if suffix == ".parquet" else pd.read_csv(uri)
    except (OSError, ValueError) as err:
        raise InvalidInput([Problem(uri, "", f"cannot read training data: {err}")]) from err


def _bigquery(uri: str, client: bigquery.Client | None) -> pd.DataFrame:
    """The whole table through tabledata.list (the REST API: the BigQuery Storage API is not installed)."""
    from google.api_core.exceptions import GoogleAPICallError, NotFound
    from google.cloud import bigquery

    table = uri.removeprefix("bq://")  # project.dataset.table, as the manifest's schema requires
    client = client or bigquery.Client(project=table.split(".", 1)[0])
    try:
        return client.list_rows(table).to_arrow(create_bqstorage_client=False).to_pandas()
    except GoogleAPICallError as err:
        # BigQuery's own words (the ErrorProto's message), without the client's request line.
        said = err.errors[0].get("message", err.message) if err.errors else err.message
        if isinstance(err, NotFound):
            raise InvalidInput([Problem(uri, "", f"training data not found in BigQuery: {said}")]) from None
        raise EstaleiroError(f"{uri}: reading the training data from BigQuery failed ({err.code}): {said}") from None
