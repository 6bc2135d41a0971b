"""The cloud measure path: the quality query sent through google-cloud-bigquery to the BigQuery REST fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from estaleiro.quality import bigquery
from estaleiro.quality.generate import served_days, served_log
from estaleiro.quality.local import measure
from estaleiro.quality.log_table import SCHEMAS, arrow_schema
from tests.quality.test_query import RULE, VERSIONS, load
from tests.training.fake_bigquery import Warehouse, serve, warehouse_client

REQUESTS, LABELS = "bq://acme-ml-dev.acme_ml_dev_requests.churn", "bq://acme-ml-dev.churn.ground_truth"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_bigquery_gets_the_query_with_named_parameters_and_measures_what_duckdb_does(version: str) -> None:
    log, labels = served_log(
        served_days(datetime(2026, 11, 1), {"1001": [0.0, 0.3, 0.6, 0.9]}, 400, seed=2, schema_version=version)
    )
    log["logging_time"] = log.logging_time.dt.tz_localize(UTC)  # BigQuery's TIMESTAMP is UTC
    labels["label_time"] = labels.label_time.dt.tz_localize(UTC)
    warehouse = Warehouse()
    # Typed as Vertex creates the table: ARRAY<STRING> payloads, a NUMERIC request_id, JSON in v2.
    warehouse.add(REQUESTS.removeprefix("bq://"), pa.Table.from_pandas(log, schema=arrow_schema(version)))
    warehouse.add(LABELS.removeprefix("bq://"), labels)
    as_of = datetime(2026, 11, 7, 6, tzinfo=UTC)
    with serve(warehouse) as endpoint:
        client = warehouse_client(endpoint, "acme-ml-dev")
        table = client.get_table(REQUESTS.removeprefix("bq://"))
        assert [(f.name, f.field_type, f.mode) for f in table.schema] == list(SCHEMAS[version])
        got = bigquery.measure(client, REQUESTS, LABELS, RULE, as_of, 4, VERSIONS)
    with duckdb.connect() as connection:
        load(
            connection,
            log.assign(logging_time=log.logging_time.dt.tz_localize(None)),
            labels.assign(label_time=labels.label_time.dt.tz_localize(None)),
        )
        expected = measure(connection, RULE, as_of, 4, VERSIONS)
    assert [w.start for w in got.windows] == [datetime(2026, 11, d, tzinfo=UTC) for d in (1, 2, 3, 4)]
    assert [(w.version, w.predictions, w.labelled) for w in got.windows] == [
        (w.version, w.predictions, w.labelled) for w in expected.windows
    ]
    for window, same in zip(got.windows, expected.windows, strict=True):
        assert window.metrics == pytest.approx(same.metrics, rel=1e-12) and window.coverage == same.coverage
    assert (got.duplicate_labels, got.unknown_labels) == (expected.duplicate_labels, expected.unknown_labels)
    assert got.windows[0].end - got.windows[0].start == timedelta(days=1)


def test_the_parameters_travel_typed_as_the_query_declares_them() -> None:
    typed = {
        p.name: p.type_ for p in bigquery.query_parameters({"as_of": datetime(2026, 11, 7, tzinfo=UTC), "windows": 4})
    }
    assert typed == {"as_of": "TIMESTAMP", "windows": "INT64"}
