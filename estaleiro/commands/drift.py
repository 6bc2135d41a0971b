"""`estaleiro drift REFERENCE CURRENT`: drift as Vertex AI Model Monitoring computes it, worst first.

Feature types and thresholds come from the model's manifest (`--model M --in STACK`), from
`--features`, or are inferred from the data. Exit 1 when any feature is over its threshold.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.fs as pafs

from estaleiro import layout
from estaleiro.config.environment import load_environment
from estaleiro.datasets import gcs_filesystem, read_table
from estaleiro.drift import DEFAULT_THRESHOLD, DriftInputError, FeatureKind, Metric, compare, infer_kinds
from estaleiro.drift.html import write_html_report
from estaleiro.drift.render import DriftFormat, render
from estaleiro.errors import InvalidInput, Problem
from estaleiro.layout import repo_root

FEATURES_SYNTAX = "comma-separated NAME or NAME:TYPE, TYPE numerical or categorical (e.g. plan:categorical,tenure)"


@dataclass(frozen=True)
class Declared:
    """What the user declared before the data is read: feature types (None: infer) and thresholds."""

    kinds: dict[str, FeatureKind | None] = field(default_factory=dict)
    default_threshold: float = DEFAULT_THRESHOLD
    thresholds: dict[str, float] = field(default_factory=dict)
    categorical_metric: Metric = Metric.L_INFINITY


def drift(
    reference: str,
    current: str,
    *,
    model: str | None = None,
    stack: str | None = None,
    features: str | None = None,
    fmt: DriftFormat = "text",
    html: Path | None = None,
    gcs: Callable[[], pafs.FileSystem] = gcs_filesystem,
) -> int:
    declared = _from_manifest(model, stack) if model or stack else Declared()
    if features is not None:
        chosen = {name: kind or declared.kinds.get(name) for name, kind in parse_features(features).items()}
        declared = Declared(chosen, declared.default_threshold, declared.thresholds, declared.categorical_metric)
    before, after = read_table(reference, gcs), read_table(current, gcs)
    inferred = infer_kinds(before)
    names = declared.kinds or dict.fromkeys(before.column_names)
    kinds = {name: kind or inferred.get(name, FeatureKind.CATEGORICAL) for name, kind in names.items()}
    try:
        report = compare(
            before,
            after,
            kinds,
            default_threshold=declared.default_threshold,
            thresholds=declared.thresholds,
            categorical_metric=declared.categorical_metric,
            inferred=frozenset(name for name, kind in names.items() if kind is None),
        )
    except DriftInputError as err:
        file, table = (reference, before) if err.side == "reference" else (current, after)
        message = err.message
        if message == "no such column":
            message += f"; columns: {', '.join(table.column_names)}"
        raise InvalidInput([Problem(file, err.feature, message)]) from err
    if html is not None:
        write_html_report(report, html, reference=reference, current=current)
    sys.stdout.write(render(report, fmt, reference, current))
    return 1 if report.drifted else 0


def parse_features(spec: str) -> dict[str, FeatureKind | None]:
    """`--features`: NAME[:TYPE] items separated by commas; a NAME alone has its type inferred."""
    kinds: dict[str, FeatureKind | None] = {}
    for item in (part.strip() for part in spec.split(",")):
        name, _, kind = (part.strip() for part in item.partition(":"))
        if not name:
            raise InvalidInput([Problem("--features", item, f"empty feature name; expected {FEATURES_SYNTAX}")])
        if kind and kind not in FeatureKind.__members__.values():
            raise InvalidInput([Problem("--features", item, f"unknown type {kind!r}; expected {FEATURES_SYNTAX}")])
        kinds[name] = FeatureKind(kind) if kind else None
    return kinds


def _from_manifest(model: str | None, stack: str | None) -> Declared:
    if not (model and stack):
        raise InvalidInput([Problem("--model/--in", "", "give both --model MODEL and --in STACK, or neither")])
    environment = load_environment(repo_root(), stack)
    served = environment.model(model)
    if served is None:
        names = ", ".join(m.name for m in environment.models) or "none"
        raise InvalidInput([Problem(layout.manifest_file(stack, model), "", f"no such model; models: {names}")])
    monitoring = served.manifest.monitoring
    if not monitoring.features:
        raise InvalidInput(
            [Problem(served.file, "monitoring.features", "no features declared: declare them and their types")]
        )
    return Declared(
        {name: FeatureKind(kind) for name, kind in monitoring.features.items()},
        float(monitoring.drift.default_threshold),
        {name: float(value) for name, value in monitoring.drift.thresholds.items()},
        Metric(monitoring.drift.categorical_metric),
    )
