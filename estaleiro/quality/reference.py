"""The quality query's windows computed the straightforward way, in pandas and scikit-learn.

What the SQL is checked against (tests/quality) and measured against (bench/quality.py): written
from the rule, not from the SQL, and scored with estaleiro/training/metrics.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from estaleiro.config.monitoring import Quality
from estaleiro.quality.log_table import REQUEST_KEY
from estaleiro.quality.windows import METRIC_COLUMNS
from estaleiro.training.metrics import compute


def windows(log: pd.DataFrame, labels: pd.DataFrame, quality: Quality, as_of: datetime, count: int) -> pd.DataFrame:
    """One row per (deployed_model_id, window_start), the columns the query returns."""
    now = pd.Timestamp(as_of.astimezone(UTC).replace(tzinfo=None))
    width = pd.Timedelta(quality.window_delta)
    epoch = pd.Timestamp(0)
    matured = epoch + ((now - pd.Timedelta(quality.label_delay_delta) - epoch) // width) * width
    every = _instances(log)
    served = every[(every.logging_time >= matured - count * width) & (every.logging_time < matured)].copy()
    served["window_start"] = epoch + ((served.logging_time - epoch) // width) * width

    arrived = labels[labels.label_time <= now].assign(request_key=lambda f: f.request_key.astype(str))
    latest = arrived.sort_values(["label_time", "label"]).drop_duplicates(REQUEST_KEY, keep="last")
    known = every[every.logging_time <= now].request_key.dropna()
    duplicates = len(arrived) - arrived.request_key.nunique()
    unknown = int((~latest.request_key.isin(known)).sum())
    joined = served.merge(latest[[REQUEST_KEY, "label"]], on=REQUEST_KEY, how="left")

    rows = []
    for (deployed, start), group in joined.groupby(["deployed_model_id", "window_start"], sort=True):
        scored = group[group.score.notna()]
        labelled = scored[scored.label.notna()]
        y = labelled.label.to_numpy(dtype=int)
        p = labelled.score.to_numpy(dtype=np.float64)
        metrics = {name: (compute(name, y, p) if len(y) else None) for name in METRIC_COLUMNS}
        rows.append(
            {
                "window_start": start,
                "window_end": start + width,
                "deployed_model_id": deployed,
                "predictions": len(scored),
                "labelled": len(labelled),
                "coverage": len(labelled) / len(scored) if len(scored) else None,
                **metrics,
                "unreadable": len(group) - len(scored),
                "duplicate_labels": duplicates,
                "unknown_labels": unknown,
            }
        )
    return pd.DataFrame(rows)


def _instances(log: pd.DataFrame) -> pd.DataFrame:
    """One row per instance: instance i of a request with prediction i of its response."""
    rows = []
    for request in log.itertuples():
        predictions = list(request.response_payload)
        for position, instance in enumerate(request.request_payload):
            rows.append(
                {
                    "deployed_model_id": request.deployed_model_id,
                    "logging_time": request.logging_time,
                    REQUEST_KEY: _key(instance),
                    "score": _score(predictions[position]) if position < len(predictions) else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["deployed_model_id", "logging_time", REQUEST_KEY, "score"])


def _key(instance: str) -> str | None:
    document = json.loads(instance)
    key = document.get(REQUEST_KEY) if isinstance(document, dict) else None
    return None if key is None else str(key)


def _score(prediction: str) -> float:
    try:
        return float(json.loads(prediction))
    except (ValueError, TypeError):
        return float("nan")
