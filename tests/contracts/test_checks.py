"""Each check of estaleiro.contracts on its own: a value it passes and one it refuses, and the loader's refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from estaleiro.contracts import contract, registry
from estaleiro.contracts.checks import (
    AllOf,
    Check,
    Duration,
    Labels,
    MaxItems,
    MaxLength,
    NotCheckedHere,
    OneOf,
    Pattern,
    Range,
    RequiredWith,
    StatedRuleNone,
    SumsTo,
    Unset,
)
from estaleiro.errors import InvalidInput

CASES: list[tuple[Check, Any, dict[str, Any], Any, dict[str, Any]]] = [
    # check, a value it passes (+ siblings), a value it refuses (+ siblings)
    (OneOf(("COMPARISON_LT", "COMPARISON_GT")), "COMPARISON_GT", {}, "COMPARISON_GE", {}),
    (Unset("DIRECTION_UNSPECIFIED"), "DIRECTION_UNSPECIFIED", {}, "ABOVE", {}),
    (MaxLength(3), "abc", {}, "abcd", {}),
    (MaxLength(3), ["ab", "abc"], {}, ["ab", "abcd"], {}),  # a repeated field: each element
    (MaxItems(2), ["a", "b"], {}, ["a", "b", "c"], {}),
    (Pattern(r"[a-z]{2}"), "ab", {}, "abc", {}),  # the whole value must match
    (Range(1, 12), 12, {}, 48, {}),
    (Range(0, 1, above=True), 1, {}, 0, {}),
    (Duration(low=60), "60s", {}, "0s", {}),
    (Duration(multiple_of=60), "120s", {}, "90s", {}),
    (Duration(high=86400), "86400s", {}, "86401s", {}),
    (RequiredWith("duration", min_seconds=60), "NO_OP", {"duration": "60s"}, "NO_OP", {"duration": "0s"}),
    (RequiredWith("duration", min_seconds=60), "EVALUATION_MISSING_DATA_UNSPECIFIED", {}, "NO_OP", {}),
    (
        RequiredWith("per_series_aligner", not_in=("ALIGN_NONE",)),
        "REDUCE_SUM",
        {"per_series_aligner": "ALIGN_MEAN"},
        "REDUCE_SUM",
        {"per_series_aligner": "ALIGN_NONE"},
    ),
    (RequiredWith("alignment_period", unless=("ALIGN_NONE",)), "ALIGN_NONE", {}, "ALIGN_MEAN", {}),
    (SumsTo(100), {"1": 90, "2": 10}, {}, {"1": 90, "2": 20}, {}),
    (SumsTo(100), {}, {}, {"1": 0}, {}),
    (Labels(r"[a-z][a-z0-9_-]{0,62}", r"[a-z0-9_-]{0,63}", 2), {"env": "dev"}, {}, {"Env": "dev"}, {}),
    (Labels(r"[a-z]+", r"[a-z]*", 1), {"a": "b"}, {}, {"a": "b", "c": "d"}, {}),
    (Labels(None, r"[a-z]*"), {"A": "b"}, {}, {"a": "B"}, {}),
    (AllOf((MaxLength(5), Pattern("[a-z]+"))), "abc", {}, "abcdef", {}),
]


@pytest.mark.parametrize(("check", "good", "good_siblings", "bad", "bad_siblings"), CASES)
def test_each_check_passes_a_good_value_and_refuses_a_bad_one(
    check: Check, good: Any, good_siblings: dict[str, Any], bad: Any, bad_siblings: dict[str, Any]
) -> None:
    assert check.problem(good, good_siblings) is None
    assert check.problem(bad, bad_siblings) is not None


@pytest.mark.parametrize("check", [StatedRuleNone(), NotCheckedHere("a valid filter")])
def test_checks_without_a_decidable_rule_pass_anything(check: Check) -> None:
    assert check.problem("anything", {}) is None


def test_a_problem_names_the_rule_and_where_google_states_it() -> None:
    problem = contract("google.monitoring.v3.AlertPolicy.conditions.condition_threshold.comparison").problem(
        "COMPARISON_GE"
    )
    assert problem == (
        "'COMPARISON_GE' is not one of COMPARISON_LT, COMPARISON_GT "
        "(apis/googleapis/google/monitoring/v3/alert.proto:223: "
        '"Only `COMPARISON_LT` and `COMPARISON_GT` are supported currently.")'
    )


def test_config_can_judge_a_manifest_value_with_its_siblings() -> None:
    entry = contract("google.monitoring.v3.AlertPolicy.conditions.condition_threshold.evaluation_missing_data")
    assert entry.problem("EVALUATION_MISSING_DATA_INACTIVE", {"duration": "0s"}) is not None
    assert entry.problem("EVALUATION_MISSING_DATA_INACTIVE", {"duration": "300s"}) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.b:\n  source: f.proto:1\n  quote: q\n  check: {no_such: 1}\n", "unknown check 'no_such'"),
        ("a.b:\n  source: f.proto:1\n  quote: q\n  check: [1, 2]\n", "not a check"),
    ],
)
def test_the_loader_refuses_an_unknown_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    (tmp_path / "x.yaml").write_text(text)
    monkeypatch.setattr(registry, "HERE", tmp_path)
    registry.contracts.cache_clear()
    try:
        with pytest.raises(InvalidInput, match=message):
            registry.contracts()
    finally:
        registry.contracts.cache_clear()


def test_the_loaded_contracts_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        registry.contracts()["x"] = registry.contracts()["google.pubsub.v1.Topic.name"]  # type: ignore[index]
