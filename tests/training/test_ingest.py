"""The ingest step's cloud branch: the training table read through the real BigQuery client, from the fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import google.auth
import pandas as pd
import pytest
from google.auth.credentials import AnonymousCredentials

from estaleiro.errors import EstaleiroError, InvalidInput
from estaleiro.training.dataset import CATEGORICAL, LABEL, NUMERICAL, churn_frame
from estaleiro.training.ingest import read_rows
from estaleiro.training.schema import schema_problems
from pipeline_specs.steps.ingest import ingest
from tests.training.fake_bigquery import Warehouse, serve, warehouse_client

TABLE = "bq://acme-ml-dev.churn.training"
FEATURES = {**dict.fromkeys(NUMERICAL, "numerical"), **dict.fromkeys(CATEGORICAL, "categorical")}


@pytest.fixture
def warehouse() -> Iterator[tuple[str, Warehouse]]:
    stored = Warehouse()
    frame = churn_frame(300, seed=4)
    signed_up = pd.date_range("2024-01-01", periods=len(frame), freq="h", tz="UTC")
    stored.add("acme-ml-dev.churn.training", frame.assign(signed_up=signed_up, active=frame[LABEL] == 0))
    with serve(stored) as endpoint:
        yield endpoint, stored


def test_the_table_comes_back_with_the_columns_and_types_bigquery_gives(warehouse: tuple[str, Warehouse]) -> None:
    endpoint, _ = warehouse
    frame = read_rows(TABLE, warehouse_client(endpoint, "acme-ml-dev"))
    assert len(frame) == 300 and list(frame.columns) == [*churn_frame(1, seed=4).columns, "signed_up", "active"]
    assert (frame["tenure_months"].dtype, frame[LABEL].dtype, frame["active"].dtype) == ("float64", "int64", "bool")
    assert pd.api.types.is_string_dtype(frame["plan"]) and str(frame["signed_up"].dtype) == "datetime64[us, UTC]"
    assert frame["signed_up"].iloc[1] == pd.Timestamp("2024-01-01 01:00", tz="UTC")
    assert schema_problems(frame, FEATURES, LABEL, 0.05) == []  # what the validate step then accepts


def test_a_missing_table_is_bad_input_naming_it(warehouse: tuple[str, Warehouse]) -> None:
    endpoint, _ = warehouse
    with pytest.raises(InvalidInput) as caught:
        read_rows("bq://acme-ml-dev.churn.nope", warehouse_client(endpoint, "acme-ml-dev"))
    assert str(caught.value) == (
        "bq://acme-ml-dev.churn.nope: training data not found in BigQuery: "
        "Not found: Table acme-ml-dev:churn.nope was not found in location US"
    )


def test_a_table_the_runner_may_not_read_is_one_line_naming_it_and_the_code(
    warehouse: tuple[str, Warehouse],
) -> None:
    endpoint, stored = warehouse
    stored.denied.add("acme-ml-dev.churn.training")
    with pytest.raises(EstaleiroError) as caught:
        read_rows(TABLE, warehouse_client(endpoint, "acme-ml-dev"))
    assert not isinstance(caught.value, InvalidInput)
    assert str(caught.value).startswith(
        f"{TABLE}: reading the training data from BigQuery failed (403): "
        "Access Denied: Table acme-ml-dev:churn.training: User does not have permission"
    )


def test_the_ingest_step_reads_the_table_with_the_environments_credentials(
    warehouse: tuple[str, Warehouse], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The step builds its own client; the library's BIGQUERY_EMULATOR_HOST and the environment's credentials
    (here anonymous, in the cloud the runner's service account) are all it reads."""
    endpoint, stored = warehouse
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", endpoint)
    monkeypatch.setattr(google.auth, "default", lambda *_, **__: (AnonymousCredentials(), None))
    rows = SimpleNamespace(path=str(tmp_path / "rows.parquet"), metadata={})
    ingest(uri=TABLE, rows=rows)  # type: ignore[arg-type]
    assert rows.metadata == {"uri": TABLE, "rows": 300}
    assert len(pd.read_parquet(rows.path)) == 300
    assert [p.split("?")[0] for _, p in stored.requests] == [
        "/bigquery/v2/projects/acme-ml-dev/datasets/churn/tables/training",
        "/bigquery/v2/projects/acme-ml-dev/datasets/churn/tables/training/data",
    ]
