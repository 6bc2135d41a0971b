"""The BigQuery fake's rules, each on its own: on the wire (requests) and through the real client."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import requests
from google.api_core import exceptions
from google.cloud import bigquery

from tests.training.fake_bigquery import BigQueryError, Warehouse, serve, warehouse_client

PROJECT = "acme-ml-dev"
V2 = "/bigquery/v2/projects/acme-ml-dev"
FRAME = pd.DataFrame(
    {
        "id": [1, 2, 3],
        "charges": [20.5, None, 80.0],
        "plan": ["basic", "premium", None],
        "churned": [True, False, True],
        "seen": pd.to_datetime(["2024-05-01 00:00:00", "2024-05-02 12:00:00", "2024-05-03 00:00:01"], utc=True),
    }
)


@pytest.fixture
def fake() -> Iterator[tuple[str, Warehouse]]:
    warehouse = Warehouse()
    warehouse.add(f"{PROJECT}.churn.training", FRAME)
    with serve(warehouse) as endpoint:
        yield endpoint, warehouse


def _get(endpoint: str, path: str, **params: Any) -> requests.Response:
    return requests.get(f"{endpoint}{V2}{path}", params=params, timeout=10)


def _post(endpoint: str, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{endpoint}{V2}{path}", json=body, timeout=10)


def _query(sql: str, *parameters: tuple[str, str, str | None], **extra: Any) -> dict[str, Any]:
    named = [
        {"name": n, "parameterType": {"type": t}, "parameterValue": {} if v is None else {"value": v}}
        for n, t, v in parameters
    ]
    return {"query": sql, "useLegacySql": False, "queryParameters": named, **extra}


def test_tables_get_answers_the_schema_with_the_type_names_the_api_uses(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    table = _get(endpoint, "/datasets/churn/tables/training").json()
    assert [(f["name"], f["type"], f["mode"]) for f in table["schema"]["fields"]] == [
        ("id", "INTEGER", "NULLABLE"),
        ("charges", "FLOAT", "NULLABLE"),
        ("plan", "STRING", "NULLABLE"),
        ("churned", "BOOLEAN", "NULLABLE"),
        ("seen", "TIMESTAMP", "NULLABLE"),
    ]
    assert table["numRows"] == "3" and table["id"] == "acme-ml-dev:churn.training"


def test_an_unknown_table_is_404_not_found_in_the_error_shape(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    for path in ("/datasets/churn/tables/missing", "/datasets/churn/tables/missing/data"):
        answer = _get(endpoint, path)
        message = "Not found: Table acme-ml-dev:churn.missing was not found in location US"
        assert answer.status_code == 404
        assert answer.json() == {
            "error": {
                "code": 404,
                "message": message,
                "errors": [{"reason": "notFound", "message": message, "domain": "global"}],
                "status": "NOT_FOUND",
            }
        }


def test_a_table_the_caller_may_not_read_is_403_access_denied(fake: tuple[str, Warehouse]) -> None:
    endpoint, warehouse = fake
    warehouse.denied.add(f"{PROJECT}.churn.training")
    for answer in (
        _get(endpoint, "/datasets/churn/tables/training"),
        _post(endpoint, "/queries", _query("SELECT 1 FROM churn.training")),
    ):
        error = answer.json()["error"]
        assert (answer.status_code, error["status"], error["errors"][0]["reason"]) == (
            403, "PERMISSION_DENIED", "accessDenied"
        )  # fmt: skip
        assert error["message"].startswith("Access Denied: Table acme-ml-dev:churn.training")


def test_rows_are_f_v_cells_of_strings_with_null_as_null(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    data = _get(endpoint, "/datasets/churn/tables/training/data", **{"formatOptions.useInt64Timestamp": "true"})
    body = data.json()
    assert body["kind"] == "bigquery#tableDataList" and body["totalRows"] == "3" and "pageToken" not in body
    cells = [{"v": "2"}, {"v": None}, {"v": "premium"}, {"v": "false"}, {"v": "1714651200000000"}]
    assert body["rows"][1] == {"f": cells}


def test_timestamps_are_float_seconds_unless_int64_is_asked_for(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    body = _get(endpoint, "/datasets/churn/tables/training/data", selectedFields="seen").json()
    assert [r["f"][0]["v"] for r in body["rows"]] == ["1714521600.0", "1714651200.0", "1714694401.0"]


def test_pages_follow_max_results_and_page_token_until_the_last(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    path = "/datasets/churn/tables/training/data"
    first = _get(endpoint, path, maxResults=2, selectedFields="id").json()
    assert [r["f"][0]["v"] for r in first["rows"]] == ["1", "2"] and first["pageToken"]
    last = _get(endpoint, path, maxResults=2, selectedFields="id", pageToken=first["pageToken"]).json()
    assert [r["f"][0]["v"] for r in last["rows"]] == ["3"] and "pageToken" not in last
    start = _get(endpoint, path, startIndex=2, selectedFields="id").json()
    assert [r["f"][0]["v"] for r in start["rows"]] == ["3"]


def test_an_inserted_query_job_is_done_and_its_results_page(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    body = {"jobReference": {"jobId": "j1"}, "configuration": {"query": _query("SELECT id FROM churn.training")}}
    job = _post(endpoint, "/jobs", body).json()
    assert job["status"] == {"state": "DONE"} and job["jobReference"]["jobId"] == "j1"
    assert _get(endpoint, "/jobs/j1").json() == job
    first = _get(endpoint, "/queries/j1", maxResults=2).json()
    assert first["jobComplete"] and first["totalRows"] == "3" and len(first["rows"]) == 2
    assert first["schema"] == {"fields": [{"name": "id", "type": "INTEGER", "mode": "NULLABLE"}]}
    assert _get(endpoint, "/queries/j1", pageToken=first["pageToken"]).json()["rows"] == [{"f": [{"v": "3"}]}]
    again = _post(endpoint, "/jobs", body)
    assert (again.status_code, again.json()["error"]["errors"][0]["reason"]) == (409, "duplicate")
    assert _get(endpoint, "/jobs/nope").status_code == 404


def test_a_failed_job_carries_its_error_result_and_its_results_answer_the_error(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    body = {"jobReference": {"jobId": "j2"}, "configuration": {"query": _query("SELECT * FROM churn.nope")}}
    status = _post(endpoint, "/jobs", body).json()["status"]
    assert status["state"] == "DONE" and status["errorResult"]["reason"] == "notFound"
    answer = _get(endpoint, "/queries/j2")
    assert (answer.status_code, answer.json()["error"]["errors"][0]["reason"]) == (404, "notFound")


@pytest.mark.parametrize(
    ("expression", "parameter", "expected"),
    [
        ("@v || 'x'", ("v", "STRING", "5"), ("STRING", "5x")),
        ("@v + 1", ("v", "INT64", "41"), ("INTEGER", "42")),
        ("@v * 2", ("v", "FLOAT64", "0.25"), ("FLOAT", "0.5")),
        ("NOT @v", ("v", "BOOL", "false"), ("BOOLEAN", "true")),
        ("TIMESTAMP_ADD(@v, INTERVAL 1 SECOND)", ("v", "TIMESTAMP", "2024-05-01 00:00:00+00:00"),
         ("TIMESTAMP", "1714521601000000")),
        ("@v IS NULL", ("v", "INT64", None), ("BOOLEAN", "true")),
        ("(SELECT COUNTIF(x > @v) FROM UNNEST([1, 2, 3]) AS x)", ("v", "INT64", "1"), ("INTEGER", "2")),
    ],
)  # fmt: skip
def test_named_parameters_take_their_declared_type(
    fake: tuple[str, Warehouse], expression: str, parameter: tuple[str, str, str | None], expected: tuple[str, str]
) -> None:
    endpoint, _ = fake
    body = _query(f"SELECT {expression} AS r", parameter, formatOptions={"useInt64Timestamp": True})
    answer = _post(endpoint, "/queries", body).json()
    assert (answer["schema"]["fields"][0]["type"], answer["rows"][0]["f"][0]["v"]) == expected


def test_parameters_filter_a_table_and_names_ignore_case(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    sql = "SELECT id FROM churn.training WHERE seen >= @Since AND churned = @churned ORDER BY id"
    body = _query(sql, ("since", "TIMESTAMP", "2024-05-02 00:00:00+00:00"), ("churned", "BOOL", "true"))
    assert _post(endpoint, "/queries", body).json()["rows"] == [{"f": [{"v": "3"}]}]


@pytest.mark.parametrize(
    ("body", "status", "reason", "message"),
    [
        (_query("SELECT @nope"), 400, "invalidQuery", "Query parameter 'nope' not found"),
        (_query("SELEC 1"), 400, "invalidQuery", "Syntax error: "),
        (_query("SELECT * FROM training"), 400, "invalidQuery", 'Table "training" must be qualified with a dataset'),
        (_query("SELECT * FROM other.training"), 404, "notFound", "Not found: Table acme-ml-dev:other.training"),
        ({"query": "SELECT 1"}, 400, "invalid", "GoogleSQL only"),
        (_query("SELECT @v", ("v", "INT64", "abc")), 400, "invalidQuery", ""),
    ],
)
def test_bad_queries_answer_as_bigquery_does(
    fake: tuple[str, Warehouse], body: dict[str, Any], status: int, reason: str, message: str
) -> None:
    endpoint, _ = fake
    answer = _post(endpoint, "/queries", body)
    error = answer.json()["error"]
    assert (answer.status_code, error["code"], error["errors"][0]["reason"]) == (status, status, reason)
    assert message in error["message"]


def test_the_default_dataset_qualifies_table_names_but_not_cte_names(fake: tuple[str, Warehouse]) -> None:
    endpoint, _ = fake
    sql = (
        "WITH training AS (SELECT 7 AS id) SELECT COUNTIF(id > 1) FROM churn.training UNION ALL SELECT id FROM training"
    )
    assert sorted(r["f"][0]["v"] for r in _post(endpoint, "/queries", _query(sql)).json()["rows"]) == ["2", "7"]
    default = _query("SELECT COUNT(*) AS n FROM training", defaultDataset={"projectId": PROJECT, "datasetId": "churn"})
    assert _post(endpoint, "/queries", default).json()["rows"] == [{"f": [{"v": "3"}]}]


def test_the_real_client_reads_a_table_and_runs_a_parameterised_query(fake: tuple[str, Warehouse]) -> None:
    endpoint, warehouse = fake
    client = warehouse_client(endpoint, PROJECT)
    frame = client.list_rows(f"{PROJECT}.churn.training").to_arrow(create_bqstorage_client=False).to_pandas()
    pd.testing.assert_frame_equal(frame, FRAME, check_dtype=False)
    config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("since", "TIMESTAMP", datetime.datetime(2024, 5, 1, 6, tzinfo=datetime.UTC)),
            bigquery.ScalarQueryParameter("plan", "STRING", "premium"),
        ]
    )
    sql = f"SELECT id, seen FROM `{PROJECT}.churn.training` WHERE seen > @since AND plan = @plan"
    [row] = client.query(sql, job_config=config).result(page_size=1)
    assert dict(row) == {"id": 2, "seen": datetime.datetime(2024, 5, 2, 12, tzinfo=datetime.UTC)}
    paths = [path.split("?")[0] for _, path in warehouse.requests]
    assert f"{V2}/datasets/churn/tables/training/data" in paths and f"{V2}/jobs" in paths
    with pytest.raises(exceptions.NotFound, match=r"churn\.missing was not found"):
        client.query("SELECT 1 FROM churn.missing").result()


def test_a_repeated_column_is_its_element_type_in_mode_repeated_and_json_and_numeric_keep_their_names() -> None:
    warehouse = Warehouse()
    schema = pa.schema(
        [
            ("ids", pa.decimal128(38, 9)),
            ("payload", pa.list_(pa.string())),
            pa.field("document", pa.string(), metadata={b"ARROW:extension:name": b"google:sqlType:json"}),
        ]
    )
    rows = {"ids": [Decimal(7)], "payload": [["a", "b"]], "document": ['{"x": 1}']}
    warehouse.add(f"{PROJECT}.logs.requests", pa.Table.from_pydict(rows, schema=schema))
    with serve(warehouse) as endpoint:
        table = _get(endpoint, "/datasets/logs/tables/requests").json()
        data = _get(endpoint, "/datasets/logs/tables/requests/data").json()
    assert [(f["name"], f["type"], f["mode"]) for f in table["schema"]["fields"]] == [
        ("ids", "NUMERIC", "NULLABLE"),
        ("payload", "STRING", "REPEATED"),
        ("document", "JSON", "NULLABLE"),
    ]
    assert data["rows"] == [{"f": [{"v": "7.000000000"}, {"v": [{"v": "a"}, {"v": "b"}]}, {"v": '{"x": 1}'}]}]


def test_json_functions_refuse_an_array_argument_as_bigquery_has_no_such_signature() -> None:
    warehouse = Warehouse()
    warehouse.add(f"{PROJECT}.logs.requests", pa.table({"payload": [["1"]], "text": ['{"a": 1}']}))
    ok = warehouse.run("SELECT JSON_VALUE(text, '$.a') AS a FROM `logs.requests`", [], PROJECT, None)
    assert ok.column("a").to_pylist() == ["1"]
    for call in ("JSON_VALUE(payload, '$[0]')", "JSON_QUERY(payload, '$')", "JSON_EXTRACT_SCALAR(payload, '$')"):
        with pytest.raises(BigQueryError, match=r"No matching signature for function JSON_.* ARRAY<STRING>") as err:
            warehouse.run(f"SELECT {call} FROM `logs.requests`", [], PROJECT, None)
        assert (err.value.status, err.value.reason) == (400, "invalidQuery")
