"""The window each scheduled drift run reads: the interval since the run before."""

from __future__ import annotations

import pytest

from estaleiro.monitoring_window import monitoring_window, window_problem


@pytest.mark.parametrize(
    ("cron", "window"),
    [
        ("0 * * * *", "1h"),
        ("15 */6 * * *", "6h"),
        ("0 0,12 * * *", "12h"),
        ("30 2 * * *", "1d"),
        ("0 4 * * 1", "1w"),
    ],
)
def test_evenly_spaced_crons_have_the_window_of_their_interval(cron: str, window: str) -> None:
    assert window_problem(cron) is None and monitoring_window(cron) == window


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("0 9 * * 1-5", "24h, 72h apart"),
        ("0 */5 * * *", "4h, 5h apart"),
        ("*/30 * * * *", "whole hours"),
        ("0 0 1 * *", "day-of-month and month must be '*'"),
        ("0 0 * 1 *", "day-of-month and month must be '*'"),
    ],
)
def test_unevenly_spaced_or_sub_hourly_crons_are_refused(cron: str, reason: str) -> None:
    problem = window_problem(cron)
    assert problem is not None and reason in problem and "'0 * * * *' (hourly: 1h)" in problem
    with pytest.raises(ValueError, match=reason.replace("*", r"\*")):
        monitoring_window(cron)
