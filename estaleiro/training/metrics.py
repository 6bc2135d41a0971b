"""The evaluation metrics a manifest's thresholds and a training judge may name.

One table: a metric's name is the name model cards report (`performance_metrics[].type`),
so thresholds, cards and the pipeline's evaluation speak of the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Scores = NDArray[np.float64]
Labels = NDArray[np.int_]
DECISION = 0.5  # probability above which a subscriber is predicted to churn


@dataclass(frozen=True)
class Metric:
    compute: Callable[[Labels, Scores], float]
    higher_is_better: bool
    needs_both_classes: bool = False  # undefined on a slice holding a single class


def _auc(y: Labels, p: Scores) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def _log_loss(y: Labels, p: Scores) -> float:
    from sklearn.metrics import log_loss

    return float(log_loss(y, p, labels=[0, 1]))


def _brier(y: Labels, p: Scores) -> float:
    return float(np.mean((p - y) ** 2))


def _accuracy(y: Labels, p: Scores) -> float:
    return float(np.mean((p >= DECISION) == (y == 1)))


def _precision(y: Labels, p: Scores) -> float:
    predicted = p >= DECISION
    return float(np.sum(predicted & (y == 1)) / max(int(np.sum(predicted)), 1))


def _recall(y: Labels, p: Scores) -> float:
    return float(np.sum((p >= DECISION) & (y == 1)) / max(int(np.sum(y == 1)), 1))


def _precision_at_10pct(y: Labels, p: Scores) -> float:
    """Precision among the top decile by score: what a retention campaign that calls 10 % sees."""
    top = np.argsort(-p, kind="stable")[: max(1, len(p) // 10)]
    return float(np.mean(y[top] == 1))


METRICS: dict[str, Metric] = {
    "auc": Metric(_auc, higher_is_better=True, needs_both_classes=True),
    "log_loss": Metric(_log_loss, higher_is_better=False),
    "brier": Metric(_brier, higher_is_better=False),
    "accuracy": Metric(_accuracy, higher_is_better=True),
    "precision": Metric(_precision, higher_is_better=True),
    "recall": Metric(_recall, higher_is_better=True),
    "precision_at_10pct": Metric(_precision_at_10pct, higher_is_better=True),
}


def compute(name: str, y: Labels, p: Scores) -> float | None:
    """The metric's value, or None where it is undefined (AUC on a slice with one class)."""
    metric = METRICS[name]
    if metric.needs_both_classes and len(np.unique(y)) < 2:
        return None
    return metric.compute(y, p)
