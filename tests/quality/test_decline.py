"""The N-of-M decline rule: per version, over countable windows only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from estaleiro.config.monitoring import Quality
from estaleiro.quality.decline import decline
from estaleiro.quality.windows import Window

START = datetime(2026, 11, 1, tzinfo=UTC)


def rule(**changes: object) -> Quality:
    base: dict[str, object] = {
        "labels": "bq://acme-ml-dev.churn.ground_truth",
        "minimumCoverage": 0.5,
        "metric": "auc",
        "threshold": {"min": 0.75},
        "decline": {"windows": 2, "of": 3},
    }
    return Quality.model_validate(base | changes)


def days(version: str, *values: float | None, coverage: float = 0.8, first: int = 0) -> list[Window]:
    """One window a day from START + `first` days; a value of None is a window whose metric is undefined."""
    return [
        Window(
            start=START + timedelta(days=first + i),
            end=START + timedelta(days=first + i + 1),
            version=version,
            predictions=1000,
            labelled=int(1000 * coverage),
            coverage=coverage,
            metrics={"auc": value, "log_loss": None if value is None else 1 - value},
        )
        for i, value in enumerate(values)
    ]


def test_two_misses_in_the_last_three_windows_decline() -> None:
    verdict = decline(days("v6", 0.9, 0.9, 0.7, 0.8, 0.7), rule())
    [v6] = verdict.versions
    assert v6.declined and verdict.declined == ("v6",)
    assert [w.start.day for w in v6.judged] == [3, 4, 5] and [w.start.day for w in v6.missed] == [3, 5]


def test_misses_older_than_the_last_m_windows_are_forgotten() -> None:
    verdict = decline(days("v6", 0.6, 0.6, 0.9, 0.9, 0.7), rule())
    assert verdict.declined == () and len(verdict.versions[0].missed) == 1


def test_one_miss_is_not_a_decline_under_two_of_three_but_is_under_one_of_one() -> None:
    windows = days("v6", 0.9, 0.9, 0.7)
    assert decline(windows, rule()).declined == ()
    assert decline(windows, rule(decline={"windows": 1, "of": 1})).declined == ("v6",)


def test_a_window_on_the_threshold_meets_it() -> None:
    assert decline(days("v6", 0.75, 0.75, 0.75), rule()).declined == ()


def test_windows_below_the_minimum_coverage_never_count() -> None:
    thin = days("v6", 0.5, 0.5, 0.5, coverage=0.49)
    verdict = decline(thin, rule())
    assert verdict.declined == () and verdict.versions[0].judged == () and len(verdict.versions[0].skipped) == 3


def test_thin_windows_are_skipped_and_the_rule_reaches_back_to_countable_ones() -> None:
    windows = days("v6", 0.7, 0.7, 0.9)
    thin = days("v6", 0.2, 0.2, coverage=0.1, first=3)
    verdict = decline(windows + thin, rule())
    assert verdict.declined == ("v6",)
    assert [w.start.day for w in verdict.versions[0].judged] == [1, 2, 3]
    assert [w.start.day for w in verdict.versions[0].skipped] == [4, 5]


def test_an_undefined_metric_is_skipped_not_missed() -> None:
    verdict = decline(days("v6", 0.9, None, None, 0.7), rule())
    assert verdict.declined == () and [w.start.day for w in verdict.versions[0].skipped] == [2, 3]


def test_a_maximum_threshold_declines_when_the_metric_rises() -> None:
    verdict = decline(days("v6", 0.9, 0.5, 0.5), rule(metric="log_loss", threshold={"max": 0.45}))
    assert verdict.declined == ("v6",)  # log_loss 0.1, 0.5, 0.5


def test_champion_and_challenger_are_judged_apart() -> None:
    champion = days("v6", 0.9, 0.9, 0.9)
    challenger = days("v7", 0.7, 0.7, 0.7)
    verdict = decline(champion + challenger, rule())
    assert verdict.declined == ("v7",)
    assert [v.version for v in verdict.versions] == ["v6", "v7"]
    assert all(w.version == "v6" for w in verdict.versions[0].judged)


def test_the_order_windows_arrive_in_does_not_matter() -> None:
    windows = days("v6", 0.7, 0.7, 0.9, 0.9, 0.9)
    assert decline(reversed(windows), rule()) == decline(windows, rule())
    assert decline(reversed(windows), rule()).declined == ()
