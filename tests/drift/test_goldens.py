"""TFDV 1.16.1's own numbers (tests/drift/goldens, made as its README says): every feature, both metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estaleiro.datasets import read_table
from estaleiro.drift import FeatureKind, Metric, compare

GOLDENS = Path(__file__).resolve().parent / "goldens"
CASES = sorted(p.name for p in GOLDENS.glob("case-*"))
TOLERANCE = {Metric.L_INFINITY: 1e-9, Metric.JENSEN_SHANNON_DIVERGENCE: 0.005}


def test_the_goldens_are_there() -> None:
    assert CASES == ["case-1", "case-2"], GOLDENS


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("categorical_metric", list(Metric))
def test_every_feature_matches_tfdv(case: str, categorical_metric: Metric) -> None:
    expected = json.loads((GOLDENS / case / "expected.json").read_text())["features"]
    reference = read_table(str(GOLDENS / case / "reference.csv"))
    current = read_table(str(GOLDENS / case / "current.csv"))
    kinds = {name: FeatureKind(spec["type"]) for name, spec in expected.items()}

    report = compare(reference, current, kinds, categorical_metric=categorical_metric)

    assert {f.feature for f in report.features} == set(expected)
    for feature in report.features:
        want = expected[feature.feature][feature.metric.value]
        assert feature.score == pytest.approx(want, abs=TOLERANCE[feature.metric]), feature.feature
