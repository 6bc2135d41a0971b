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
from estaleiro.quality.windows import METRIC_COLUMNS
from estaleiro.training.metrics import compute


def windows(log: pd.DataFrame, labels: pd.DataFrame, quality: Quality, as_of: datetime, count: int) -> pd.DataFrame:
    """One row per (deployed_model_id, window_start), the columns the query returns."""
    now = pd.Timestamp(as_of.astimezone(UTC).replace(tzinfo=None))
    width = pd.Timedelta(quality.window_delta)
    epoch = pd.Timestamp(0)
    matured = epoch + ((now - pd.Timedelta(quality.label_delay_delta) - epoch) // width) * width
    served = log[(log.logging_time >= matured - count * width) & (log.logging_time < matured)].copy()
    served["window_start"] = epoch + ((served.logging_time - epoch) // width) * width
    served["score"] = [_score(payload) for payload in served.response_payload]
    served["request_id"] = served.request_id.astype(str)

    arrived = labels[labels.label_time <= now].assign(request_id=lambda f: f.request_id.astype(str))
    latest = arrived.sort_values(["label_time", "label"]).drop_duplicates("request_id", keep="last")
    known = log[log.logging_time <= now].request_id.astype(str)
    duplicates = len(arrived) - arrived.request_id.nunique()
    unknown = int((~latest.request_id.isin(known)).sum())
    joined = served.merge(latest[["request_id", "label"]], on="request_id", how="left")

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


def _score(payload: str) -> float:
    try:
        return float(json.loads(payload)["predictions"][0])
    except (ValueError, KeyError, IndexError, TypeError):
        return float("nan")
