"""The quality query on DuckDB: against pandas on generated data, and at every edge of a window."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
import sqlglot

from estaleiro.config.monitoring import Quality
from estaleiro.quality import reference
from estaleiro.quality.generate import served_days, served_log
from estaleiro.quality.local import measure
from estaleiro.quality.log_table import REQUEST_KEY, SCHEMAS
from estaleiro.quality.query import LABEL_COLUMNS, parameters, query
from estaleiro.quality.windows import METRIC_COLUMNS, Measured

RULE = Quality.model_validate(
    {"labels": "bq://acme-ml-dev.churn.ground_truth", "labelDelay": "2d", "window": "1d", "threshold": {"min": 0.75}}
)
VERSIONS = {"1001": "v6", "1002": "v7"}
DAY = timedelta(days=1)
START = datetime(2026, 11, 1)  # naive UTC, as the request log's TIMESTAMP reads on DuckDB


@pytest.fixture
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as con:
        yield con


def load(con: duckdb.DuckDBPyConnection, log: pd.DataFrame, labels: pd.DataFrame) -> None:
    con.register("log_frame", log)
    con.register("labels_frame", labels)
    con.execute("CREATE OR REPLACE TABLE request_log AS SELECT * FROM log_frame")
    con.execute("CREATE OR REPLACE TABLE ground_truth AS SELECT * FROM labels_frame")


def run(con: duckdb.DuckDBPyConnection, as_of: datetime, windows: int = 30, rule: Quality = RULE) -> Measured:
    return measure(con, rule, as_of.replace(tzinfo=UTC), windows, VERSIONS)


def test_the_sql_agrees_with_pandas_on_every_window_and_metric(connection: duckdb.DuckDBPyConnection) -> None:
    drift = {"1001": [0.0, 0.0, 0.3, 0.6, 0.8, 0.9], "1002": [0.0] * 6}
    log, labels = served_log(served_days(START, drift, 3000, traffic={"1001": 0.7, "1002": 0.3}, seed=4))
    load(connection, log, labels)
    as_of = START + 7 * DAY + timedelta(hours=5)
    got = run(connection, as_of, windows=4)
    expected = reference.windows(log, labels, RULE, as_of.replace(tzinfo=UTC), 4)
    assert [(w.start.replace(tzinfo=None), w.version) for w in got.windows] == [
        (row.window_start.to_pydatetime(), VERSIONS[row.deployed_model_id]) for row in expected.itertuples()
    ]
    assert [w.start.day for w in got.windows if w.version == "v6"] == [2, 3, 4, 5]  # 5th ended 2d 5h ago
    for window, row in zip(got.windows, expected.itertuples(), strict=True):
        assert (window.predictions, window.labelled) == (row.predictions, row.labelled)
        assert window.coverage == pytest.approx(row.coverage, rel=1e-12)
        for name in METRIC_COLUMNS:
            assert window.metrics[name] == pytest.approx(getattr(row, name), rel=1e-9), (window, name)
    assert (got.duplicate_labels, got.unknown_labels) == (
        expected.duplicate_labels[0],
        expected.unknown_labels[0],
    )
    assert got.duplicate_labels > 0 and got.unknown_labels > 0
    v6 = [w.metrics["auc"] or 0 for w in got.windows if w.version == "v6"]
    assert v6 == sorted(v6, reverse=True) and v6[0] - v6[-1] > 0.25  # quality declines with the drift


def test_bigquery_reads_the_named_tables_and_duckdb_gets_the_same_query() -> None:
    bigquery = query("bigquery", "bq://acme-ml-dev.estaleiro_dev_requests.churn", "bq://acme-ml-dev.churn.ground_truth")
    assert "FROM `acme-ml-dev`.`estaleiro_dev_requests`.`churn` AS request_log" in bigquery
    assert "FROM `acme-ml-dev`.`churn`.`ground_truth` AS ground_truth" in bigquery
    assert f"JSON_VALUE(instance, '$.{REQUEST_KEY}')" in bigquery and REQUEST_KEY in LABEL_COLUMNS, "one key name"
    tables = ("bq://acme-ml-dev.estaleiro_dev_requests.churn", "bq://acme-ml-dev.churn.ground_truth")
    assert query("duckdb", *tables) == sqlglot.transpile(bigquery, read="bigquery", write="duckdb", pretty=True)[0]


def test_parameters_are_micro_seconds_and_need_an_aware_time() -> None:
    as_of = datetime(2026, 11, 8, tzinfo=UTC)
    assert parameters(RULE, as_of, 3) == {
        "as_of": as_of,
        "window_micros": 86_400_000_000,
        "label_delay_micros": 172_800_000_000,
        "windows": 3,
    }
    with pytest.raises(ValueError, match="timezone-aware"):
        parameters(RULE, datetime(2026, 11, 8), 3)


def rows(*requests: tuple[int, str, datetime, float]) -> pd.DataFrame:
    """One request of one instance each: (request key, deployed model id, logging time, score)."""
    return batched(*((r[1], r[2], [(r[0], r[3])]) for r in requests))


def batched(*requests: tuple[str, datetime, list[tuple[object, object]]]) -> pd.DataFrame:
    """Requests as Vertex logs them: (deployed model id, time, [(instance's key, prediction) ...])."""
    return pd.DataFrame(
        {
            "endpoint": "projects/1/locations/europe-west4/endpoints/123456789",
            "deployed_model_id": [r[0] for r in requests],
            "logging_time": pd.to_datetime([r[1] for r in requests]).astype("datetime64[us]"),
            "request_id": [Decimal(8_000_000_000_000_000 + n) for n in range(len(requests))],
            "request_payload": [
                [json.dumps({"tenure_months": 3, "request_key": k}) for k, _ in r[2]] for r in requests
            ],
            "response_payload": [[json.dumps(p) for _, p in r[2]] for r in requests],
        }
    )


def truth(*labels: tuple[object, int, datetime]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "request_key": [str(label[0]) for label in labels],
            "label": [label[1] for label in labels],
            "label_time": pd.to_datetime([label[2] for label in labels]).astype("datetime64[us]"),
        }
    )


def test_a_window_holds_its_first_micro_second_and_not_its_end(connection: duckdb.DuckDBPyConnection) -> None:
    last = START + DAY - timedelta(microseconds=1)
    log = rows((1, "1001", START, 0.9), (2, "1001", last, 0.2), (3, "1001", START + DAY, 0.4))
    load(connection, log, truth((1, 1, START + 3 * DAY), (2, 0, START + 3 * DAY), (3, 1, START + 3 * DAY)))
    got = run(connection, START + 4 * DAY)
    assert [(w.start.day, w.predictions, w.labelled) for w in got.windows] == [(1, 2, 2), (2, 1, 1)]
    assert got.windows[0].end == (START + DAY).replace(tzinfo=UTC)


def test_a_window_is_measured_once_the_label_delay_has_passed_since_its_end(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    log = rows((1, "1001", START + timedelta(hours=12), 0.9), (2, "1001", START + DAY + timedelta(hours=1), 0.9))
    load(connection, log, truth((1, 1, START + DAY), (2, 1, START + 2 * DAY)))
    edge = START + DAY + 2 * DAY  # window 1 ended at START + DAY; the label delay is 2d
    assert [w.start.day for w in run(connection, edge).windows] == [1]
    assert run(connection, edge - timedelta(microseconds=1)).windows == ()
    assert [w.start.day for w in run(connection, edge + DAY).windows] == [1, 2]
    assert [w.start.day for w in run(connection, edge + DAY, windows=1).windows] == [2]


def test_labels_after_as_of_are_not_read(connection: duckdb.DuckDBPyConnection) -> None:
    log = rows((1, "1001", START, 0.9))
    load(connection, log, truth((1, 1, START + 5 * DAY)))
    [window] = run(connection, START + 4 * DAY).windows
    assert (window.labelled, window.coverage) == (0, 0.0)
    [window] = run(connection, START + 5 * DAY).windows
    assert (window.labelled, window.coverage) == (1, 1.0)


def test_the_latest_label_wins_and_duplicates_and_unknown_ids_are_counted(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    log = rows((1, "1001", START, 0.9), (2, "1001", START, 0.1))
    labels = truth(
        (1, 0, START + DAY),
        (1, 1, START + DAY + timedelta(hours=3)),  # the correction wins
        (2, 0, START + DAY),
        (2, 0, START + DAY),  # a repeat
        (99, 1, START + DAY),  # a request the log never saw
        (98, 0, START + DAY),
    )
    load(connection, log, labels)
    got = run(connection, START + 3 * DAY)
    [window] = got.windows
    assert (window.labelled, window.metrics["accuracy"], window.metrics["auc"]) == (2, 1.0, 1.0)
    assert (got.duplicate_labels, got.unknown_labels) == (2, 2)


def test_a_response_without_a_score_is_reported_not_measured(connection: duckdb.DuckDBPyConnection) -> None:
    log = rows((1, "1001", START, 0.9), (2, "1001", START, 0.2))
    log.at[1, "response_payload"] = ['{"error": "deadline exceeded"}']
    load(connection, log, truth((1, 1, START + DAY), (2, 0, START + DAY)))
    got = run(connection, START + 3 * DAY)
    [window] = got.windows
    assert (window.predictions, window.labelled, got.unreadable) == (1, 1, 1)
    assert window.metrics["auc"] is None  # one class among the labelled: AUC is undefined


def test_versions_are_measured_apart(connection: duckdb.DuckDBPyConnection) -> None:
    log = rows((1, "1001", START, 0.9), (2, "1001", START, 0.1), (3, "1002", START, 0.9), (4, "1002", START, 0.1))
    load(connection, log, truth((1, 1, START), (2, 0, START), (3, 0, START), (4, 1, START)))
    got = {w.version: w.metrics["accuracy"] for w in run(connection, START + 3 * DAY).windows}
    assert got == {"v6": 1.0, "v7": 0.0}


def test_instance_i_of_a_request_is_scored_by_prediction_i_and_labelled_by_its_key(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    log = batched(("1001", START, [("a", 0.9), ("b", 0.1), ("c", 0.8)]), ("1001", START, [("d", 0.2)]))
    load(connection, log, truth(("a", 1, START + DAY), ("b", 0, START + DAY), ("c", 0, START + DAY), ("d", 1, START)))
    [window] = run(connection, START + 3 * DAY).windows
    assert (window.predictions, window.labelled) == (4, 4)
    assert window.metrics["accuracy"] == 0.5  # a and b right, c and d wrong: paired by position, not by request
    assert window.metrics["brier"] == pytest.approx((0.1**2 + 0.1**2 + 0.8**2 + 0.8**2) / 4)


def test_keys_and_predictions_are_read_in_either_json_spelling(connection: duckdb.DuckDBPyConnection) -> None:
    log = batched(("1001", START, [(7, "0.9"), ("8", 0.1), ("9", "not a number")]))
    load(connection, log, truth((7, 1, START), (8, 0, START), (9, 1, START)))
    got = run(connection, START + 3 * DAY)
    [window] = got.windows
    assert (window.predictions, window.labelled, got.unreadable) == (2, 2, 1)


def test_an_array_instance_is_served_but_cannot_be_labelled(connection: duckdb.DuckDBPyConnection) -> None:
    log = rows((1, "1001", START, 0.9))
    log.at[0, "request_payload"] = ["[3, 1, 0, 55.0, 1]"]
    load(connection, log, truth((1, 1, START)))
    got = run(connection, START + 3 * DAY)
    assert [(w.predictions, w.labelled) for w in got.windows] == [(1, 0)] and got.unknown_labels == 1


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_both_schema_versions_are_measured_alike(connection: duckdb.DuckDBPyConnection, version: str) -> None:
    drift = {"1001": [0.0, 0.5, 0.9]}
    log, labels = served_log(served_days(START, drift, 600, seed=1, schema_version=version))
    assert list(log.columns) == [name for name, _, _ in SCHEMAS[version]]
    load(connection, log, labels)
    as_of = START + 5 * DAY
    got = run(connection, as_of, windows=3)
    expected = reference.windows(log, labels, RULE, as_of.replace(tzinfo=UTC), 3)
    assert [(w.predictions, w.labelled) for w in got.windows] == [
        (row.predictions, row.labelled) for row in expected.itertuples()
    ]
    assert sum(w.predictions for w in got.windows) == sum(len(p) for p in log.request_payload) == 1800
