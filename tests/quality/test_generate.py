"""The generated request log and late labels: the table Vertex creates, deterministic, and late as promised."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pandas as pd
import pytest

from estaleiro.quality.generate import served_days, served_log
from estaleiro.quality.log_table import SCHEMAS

START = datetime(2026, 11, 1)
DRIFT = {"1001": [0.0, 0.5], "1002": [0.0, 0.0]}


def instances(log: pd.DataFrame) -> pd.DataFrame:
    """One row per logged instance: its request's time and model, its key, its prediction."""
    exploded = log.explode(["request_payload", "response_payload"])
    keys = [json.loads(instance)["request_key"] for instance in exploded.request_payload]
    return exploded.assign(request_key=keys)


def test_the_same_seed_gives_the_same_log_and_labels() -> None:
    first, again = (
        served_log(served_days(START, DRIFT, 500, seed=2)),
        served_log(served_days(START, DRIFT, 500, seed=2)),
    )
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    other = served_log(served_days(START, DRIFT, 500, seed=3))
    assert not first[0].response_payload.equals(other[0].response_payload)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_requests_hold_instance_and_prediction_arrays_in_the_columns_vertex_creates(version: str) -> None:
    log, _ = served_log(served_days(START, DRIFT, 300, schema_version=version))
    assert list(log.columns) == [name for name, _, _ in SCHEMAS[version]]
    sizes = log.request_payload.map(len)
    assert (sizes == log.response_payload.map(len)).all() and set(sizes) == {1, 2, 3}
    assert log.request_id.is_unique and all(n == int(n) for n in log.request_id)  # Vertex's NUMERIC
    first = json.loads(log.request_payload[0][0])
    assert {"tenure_months", "contract", "request_key"} <= set(first) and "churned" not in first
    assert 0 < float(log.response_payload[0][0]) < 1
    if version == "v2":
        assert json.loads(log.full_request[0]) == {"instances": [json.loads(i) for i in log.request_payload[0]]}


def test_an_unknown_schema_version_is_refused() -> None:
    with pytest.raises(ValueError, match="'v3': Vertex writes v1, v2"):
        next(served_days(START, DRIFT, 10, schema_version="v3"))


def test_labels_arrive_after_the_delay_and_some_twice_or_for_unknown_keys() -> None:
    log, labels = served_log(
        served_days(START, DRIFT, 2000, traffic={"1001": 0.75, "1002": 0.25}, duplicate_share=0.05)
    )
    served = instances(log)
    assert served.groupby("deployed_model_id").size().to_dict() == {"1001": 3000, "1002": 1000}
    assert served.request_key.is_unique and log.logging_time.between(START, START + timedelta(days=2)).all()
    known = labels.merge(served[["request_key", "logging_time"]], on="request_key")
    assert (known.label_time - known.logging_time >= timedelta(days=1)).all()
    assert known.request_key.duplicated().any() and (~labels.request_key.isin(served.request_key)).sum() == 10
    assert 0.75 < known.request_key.nunique() / len(served) < 0.85
