"""The generated request log and late labels: deterministic, and late as promised."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from estaleiro.quality.generate import served_days, served_log

START = datetime(2026, 11, 1)
DRIFT = {"1001": [0.0, 0.5], "1002": [0.0, 0.0]}


def test_the_same_seed_gives_the_same_log_and_labels() -> None:
    first, again = (
        served_log(served_days(START, DRIFT, 500, seed=2)),
        served_log(served_days(START, DRIFT, 500, seed=2)),
    )
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    other = served_log(served_days(START, DRIFT, 500, seed=3))
    assert not first[0].response_payload.equals(other[0].response_payload)


def test_labels_arrive_after_the_delay_and_some_twice_or_for_unknown_requests() -> None:
    log, labels = served_log(
        served_days(START, DRIFT, 2000, traffic={"1001": 0.75, "1002": 0.25}, duplicate_share=0.05)
    )
    assert log.groupby("deployed_model_id").size().to_dict() == {"1001": 3000, "1002": 1000}
    assert log.request_id.is_unique and log.logging_time.between(START, START + timedelta(days=2)).all()
    known = labels.merge(log[["request_id", "logging_time"]], on="request_id")
    assert (known.label_time - known.logging_time >= timedelta(days=1)).all()
    assert known.request_id.duplicated().any() and (~labels.request_id.isin(log.request_id)).sum() == 10
    assert 0.75 < known.request_id.nunique() / len(log) < 0.85
