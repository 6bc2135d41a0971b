"""Generated prediction logs and late labels, deterministic from a seed, where quality can decline.

The log has the columns of the table Vertex AI creates (estaleiro/quality/log_table.py), in either
schema version: a request holds one to `batch` instances, `request_payload` the JSON of each
instance (its features and the client's `request_key`) and `response_payload` the prediction of
each, in the same order; `request_id` is a NUMERIC only Vertex knows. Each deployed version serves
its share of every day's instances; its scores are what a model that learned churn_frame's
relation perfectly would say, and its labels follow that relation blurred by the day's
`concept_drift`, so AUC falls as the drift rises. Labels name the instance's `request_key` and
arrive `label_delay` after the request (plus up to a day of jitter); a share is never labelled;
some arrive twice (the second one later, sometimes with the other label); and some name keys the
log never saw.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from estaleiro.config.monitoring import Quality
from estaleiro.quality.log_table import REQUEST_KEY, SCHEMAS
from estaleiro.quality.run import lookback
from estaleiro.training.dataset import LABEL, churn_frame, signal

MICROS_PER_DAY = 86_400_000_000


def served_days(
    start: datetime,
    concept_drift: Mapping[str, Sequence[float]],
    per_day: int,
    traffic: Mapping[str, float] | None = None,
    label_share: float = 0.8,
    label_delay: timedelta = timedelta(days=1),
    duplicate_share: float = 0.01,
    unknown_per_day: int = 5,
    seed: int = 0,
    batch: int = 3,
    schema_version: str = "v1",
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Per day from `start` (UTC midnight, naive), the request log's rows and the labels they will get.

    `concept_drift` maps a deployed model id to its drift per day (all equally long); `traffic` maps
    it to its share of the day's `per_day` instances (equal shares when None).
    """
    if schema_version not in SCHEMAS:
        raise ValueError(f"schema_version {schema_version!r}: Vertex writes {', '.join(SCHEMAS)}")
    ids = sorted(concept_drift)
    days = {len(drift) for drift in concept_drift.values()}
    if len(days) != 1:
        raise ValueError(f"every version needs the same number of days, got {sorted(days)}")
    shares = traffic or {deployed: 1 / len(ids) for deployed in ids}
    next_key = 1
    for day in range(days.pop()):
        rng = np.random.default_rng([seed, day])
        logs, labels = [], []
        for deployed in ids:
            rows = round(per_day * shares[deployed])
            frame = churn_frame(
                rows, seed=seed * 100_003 + day * 101 + ids.index(deployed), concept_drift=concept_drift[deployed][day]
            )
            score = 1 / (
                1
                + np.exp(
                    -signal(
                        frame.tenure_months,
                        frame.contract,
                        frame.support_calls,
                        frame.monthly_charges,
                        frame.payment_method,
                    )
                )
            )
            keys = np.array([f"k{n:09d}" for n in range(next_key, next_key + rows)])
            next_key += rows
            instances = frame.drop(columns=LABEL).assign(**{REQUEST_KEY: keys}).to_dict("records")
            sizes = _batches(rows, batch, rng)
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
            logged = _at(start, day, np.sort(rng.integers(0, MICROS_PER_DAY, len(sizes))))
            logs.append(_requests(deployed, logged, instances, score, sizes, starts, rng, schema_version))
            at = logged.repeat(sizes)  # each instance's request time
            kept = rng.random(rows) < label_share
            arrival = at + label_delay + pd.to_timedelta(rng.integers(0, MICROS_PER_DAY, rows), unit="us")
            label = frame[LABEL].to_numpy()
            labels.append(pd.DataFrame({REQUEST_KEY: keys[kept], "label": label[kept], "label_time": arrival[kept]}))
            again = kept & (rng.random(rows) < duplicate_share)
            relabel = np.where(rng.random(rows) < 0.5, label, 1 - label)
            labels.append(
                pd.DataFrame(
                    {
                        REQUEST_KEY: keys[again],
                        "label": relabel[again],
                        "label_time": arrival[again] + pd.Timedelta(hours=1),
                    }
                )
            )
        unknown = np.array([f"unknown-{day}-{n}" for n in range(unknown_per_day)])
        labels.append(
            pd.DataFrame(
                {
                    REQUEST_KEY: unknown,
                    "label": rng.integers(0, 2, len(unknown)),
                    "label_time": _at(start, day, rng.integers(0, MICROS_PER_DAY, len(unknown))) + label_delay,
                }
            )
        )
        yield pd.concat(logs, ignore_index=True), pd.concat(labels, ignore_index=True)


def _batches(instances: int, batch: int, rng: np.random.Generator) -> np.ndarray:
    """Request sizes of 1 to `batch` instances that add up to `instances`."""
    sizes = rng.integers(1, batch + 1, instances)
    ends = np.cumsum(sizes)
    kept = sizes[: int(np.searchsorted(ends, instances)) + 1].copy()
    if len(kept):
        kept[-1] -= int(kept.sum()) - instances
    return kept[kept > 0]


def _requests(
    deployed: str,
    logged: pd.DatetimeIndex,
    instances: list[dict[str, object]],
    score: np.ndarray,
    sizes: np.ndarray,
    starts: np.ndarray,
    rng: np.random.Generator,
    schema_version: str,
) -> pd.DataFrame:
    """One row per request, as Vertex logs it: the instances' JSON and the predictions', in order."""
    payloads = [[json.dumps(instances[i]) for i in range(s, s + n)] for s, n in zip(starts, sizes, strict=True)]
    predictions = [[f"{score[i]:.6f}" for i in range(s, s + n)] for s, n in zip(starts, sizes, strict=True)]
    frame = pd.DataFrame(
        {
            "endpoint": "projects/123456789012/locations/europe-west4/endpoints/123456789",
            "deployed_model_id": deployed,
            "logging_time": logged,
            "request_id": [Decimal(int(n)) for n in rng.integers(10**15, 10**18, len(sizes))],
            "request_payload": payloads,
            "response_payload": predictions,
        }
    )
    if schema_version == "v2":
        frame = frame.assign(
            model=None,
            model_version=None,
            api_method="predict",
            full_request=[json.dumps({"instances": [json.loads(i) for i in p]}) for p in payloads],
            full_response=[
                json.dumps({"predictions": [float(x) for x in p], "deployedModelId": deployed}) for p in predictions
            ],
            metadata=None,
        )
    return frame


def served_log(days: Iterable[tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The days of `served_days` as one request log and one labels table."""
    logs, labels = zip(*days, strict=True)
    return pd.concat(logs, ignore_index=True), pd.concat(labels, ignore_index=True)


def _at(start: datetime, day: int, micros: np.ndarray) -> pd.DatetimeIndex:
    return pd.Timestamp(start) + pd.Timedelta(days=day) + pd.to_timedelta(micros, unit="us")


def declining(
    as_of: datetime,
    quality: Quality,
    traffic: Mapping[str, float],
    per_day: int = 2000,
    seed: int = 0,
    schema_version: str = "v1",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What `--local` measures when given no files: the days a run at `as_of` reads, logged and labelled.

    `traffic` maps a version (the log's deployed_model_id) to its share; the version taking the most
    (the champion) drifts from what it learned from the second day on, fully by half-way through, so
    its quality declines over the days,
    while the others hold. Deterministic in `as_of`'s date and `seed`.
    """
    first = (
        as_of.astimezone(UTC).replace(tzinfo=None)
        - quality.label_delay_delta
        - lookback(quality) * quality.window_delta
    )
    start = datetime(first.year, first.month, first.day) - timedelta(days=1)
    days = (as_of.astimezone(UTC).replace(tzinfo=None) - start).days + 1
    champion = max(sorted(traffic), key=lambda version: traffic[version])
    drift = {
        version: [min(1.0, max(0.0, (day - 1) / (days / 2))) if version == champion else 0.0 for day in range(days)]
        for version in traffic
    }
    total = sum(traffic.values())
    shares = {version: share / total for version, share in traffic.items()}
    return served_log(
        served_days(
            start,
            drift,
            per_day,
            shares,
            label_delay=quality.label_delay_delta,
            seed=seed,
            schema_version=schema_version,
        )
    )
