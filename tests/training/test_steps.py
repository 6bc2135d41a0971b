"""Each step's logic as a plain function, on good and bad data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from estaleiro.config.training import Hyperparameters
from estaleiro.config.types import Threshold
from estaleiro.training.dataset import CATEGORICAL, LABEL, NUMERICAL, churn_frame
from estaleiro.training.evaluate import evaluate, overall
from estaleiro.training.judge import judge
from estaleiro.training.metrics import compute
from estaleiro.training.schema import schema_problems
from estaleiro.training.train import fit, split

FEATURES = {**dict.fromkeys(NUMERICAL, "numerical"), **dict.fromkeys(CATEGORICAL, "categorical")}


def test_the_data_set_is_deterministic_and_drift_moves_it() -> None:
    pd.testing.assert_frame_equal(churn_frame(500, seed=3), churn_frame(500, seed=3))
    assert not churn_frame(500, seed=3).equals(churn_frame(500, seed=4))
    calm, drifted = churn_frame(4000, seed=1), churn_frame(4000, seed=1, drift=1.0)
    assert drifted["support_calls"].mean() > calm["support_calls"].mean() + 1
    assert (drifted["contract"] == "month-to-month").mean() > (calm["contract"] == "month-to-month").mean() + 0.15


def test_schema_accepts_the_data_set_and_names_each_problem() -> None:
    frame = churn_frame(1000, seed=2)
    assert schema_problems(frame, FEATURES, LABEL, 0.05) == []
    broken = frame.drop(columns=["region"]).assign(tenure_months=frame["tenure_months"].astype(str))
    assert schema_problems(broken, FEATURES, LABEL, 0.05) == ["column 'region' is missing"]
    typed = frame.assign(tenure_months=frame["tenure_months"].astype(str))
    assert schema_problems(typed, FEATURES, LABEL, 0.05) == ["tenure_months is declared numerical but holds str values"]
    holes = frame.assign(monthly_charges=np.where(np.arange(len(frame)) % 5 == 0, np.nan, frame["monthly_charges"]))
    assert schema_problems(holes, FEATURES, LABEL, 0.05) == [
        "monthly_charges is 20.0% missing, more than the 5.0% allowed"
    ]
    assert schema_problems(frame.assign(churned=2), FEATURES, LABEL, 0.05) == [
        "label 'churned' must be 0 or 1, found ['2']"
    ]
    assert schema_problems(frame.iloc[:0], FEATURES, LABEL, 0.05) == ["no rows"]


def test_training_learns_the_signal_and_evaluation_scores_every_slice() -> None:
    parts = split(churn_frame(3000, seed=5), LABEL, 0.25, seed=7)
    assert abs(parts.train[LABEL].mean() - parts.holdout[LABEL].mean()) < 0.01  # stratified
    model = fit(parts.train, FEATURES, LABEL, Hyperparameters(), seed=7)
    scores = evaluate(model, parts.holdout, LABEL, ["auc", "log_loss"], ["contract"])
    assert overall(scores)["auc"] > 0.85
    assert {s.slice for s in scores} == {"", "contract=month-to-month", "contract=one-year", "contract=two-year"}


def test_metrics_follow_their_definitions() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.6, 0.4, 0.9])
    assert compute("auc", y, p) == pytest.approx(0.75)
    assert compute("accuracy", y, p) == pytest.approx(0.5)
    assert compute("brier", y, p) == pytest.approx((0.01 + 0.36 + 0.36 + 0.01) / 4)
    assert compute("auc", np.array([1, 1]), np.array([0.2, 0.3])) is None  # one class: undefined, not zero


THRESHOLDS = {"auc": Threshold(min=0.8), "log_loss": Threshold(max=0.45)}


def test_a_challenger_must_meet_thresholds_and_beat_the_champion_by_the_gain() -> None:
    champion = {"auc": 0.874, "log_loss": 0.371}
    assert judge({"auc": 0.90, "log_loss": 0.33}, champion, THRESHOLDS, "auc", 0.005).accepted
    close = judge({"auc": 0.877, "log_loss": 0.33}, champion, THRESHOLDS, "auc", 0.005)
    assert not close.accepted and "below the minimum gain 0.005" in str(close)
    failing = judge({"auc": 0.95, "log_loss": 0.5}, champion, THRESHOLDS, "auc", 0.0)
    assert not failing.accepted and "log_loss 0.5000 does not meet <= 0.45" in str(failing)


def test_lower_is_better_metrics_are_judged_downwards() -> None:
    champion = {"auc": 0.874, "log_loss": 0.371}
    assert judge({"auc": 0.85, "log_loss": 0.30}, champion, THRESHOLDS, "log_loss", 0.05).accepted
    assert not judge({"auc": 0.85, "log_loss": 0.36}, champion, THRESHOLDS, "log_loss", 0.05).accepted
