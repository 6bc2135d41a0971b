"""Score a fitted model on the hold-out: every metric, overall and per slice.

Results have the shape of a model card's `performance_metrics`, so the card the pipeline
writes and the thresholds that judge it read the same entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from estaleiro.training.metrics import compute


@dataclass(frozen=True)
class Score:
    type: str
    value: float
    slice: str = ""  # "" overall; "contract=month-to-month" for one value of a categorical feature


def evaluate(
    model: Pipeline, holdout: pd.DataFrame, label: str, metrics: Sequence[str], slices: Iterable[str]
) -> tuple[Score, ...]:
    """`metrics` overall, then on each value of every feature in `slices`, in a stable order."""
    scores = np.asarray(model.predict_proba(holdout)[:, 1], dtype=np.float64)
    truth = holdout[label].to_numpy(dtype=np.int_)
    results = list(_scores(metrics, truth, scores, ""))
    for feature in slices:
        values = holdout[feature].astype("string")
        for value in sorted(values.dropna().unique()):
            mask = (values == value).to_numpy(dtype=bool)
            results += _scores(metrics, truth[mask], scores[mask], f"{feature}={value}")
    return tuple(results)


def _scores(metrics: Sequence[str], truth: np.ndarray, scores: np.ndarray, where: str) -> list[Score]:
    values = ((name, compute(name, truth, scores)) for name in metrics)
    return [Score(name, round(value, 6), where) for name, value in values if value is not None]


def overall(scores: Iterable[Score]) -> dict[str, float]:
    return {score.type: score.value for score in scores if not score.slice}
