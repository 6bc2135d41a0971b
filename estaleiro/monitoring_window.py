"""The data each scheduled drift run reads: the requests logged since the run before it.

google/cloud/aiplatform/v1beta1/model_monitoring_spec.proto:224-239 (googleapis
f8291d2b89f0017ab078a4c7378069bae5686f6f), ModelMonitoringInput.TimeOffset: "[offset] is the time
difference from the cut-off time. For scheduled jobs, the cut-off time is the scheduled time";
"[window] refers to the scope of data selected for analysis ... Currently we support the following
format: 'w|W': Week, 'd|D': Day, 'h|H': Hour". With no offset and a window equal to the interval
between runs, the runs tile time: every logged request is read once. That needs runs evenly spaced
by whole hours, which a cron whose day-of-month and month are '*' and whose gaps over one week
(the period of the weekday field) are all equal gives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise

HOUR = timedelta(hours=1)
WEEK_HOURS, DAY_HOURS = 168, 24
EXAMPLES = "'0 * * * *' (hourly: 1h), '0 */6 * * *' (6h), '30 2 * * *' (daily: 1d), '0 4 * * 1' (weekly: 1w)"


def window_problem(cron: str) -> str | None:
    """Why no window covers exactly the interval between two runs of `cron`, or None when one does."""
    fields = cron.split()
    if len(fields) != 5 or fields[2:4] != ["*", "*"]:
        return (
            f"got {cron!r}: drift runs must be evenly spaced, so day-of-month and month must be '*'; such as {EXAMPLES}"
        )
    gaps = set(_gaps(cron))
    if len(gaps) != 1:
        hours = ", ".join(sorted(f"{gap / HOUR:g}h" for gap in gaps))
        return f"got {cron!r}: its runs are {hours} apart, not evenly spaced; such as {EXAMPLES}"
    [gap] = gaps
    if gap % HOUR:
        return f"got {cron!r}: its runs are {gap} apart; Vertex reads windows of whole hours, such as {EXAMPLES}"
    return None


def monitoring_window(cron: str) -> str:
    """The TimeOffset.window equal to the interval between runs of `cron` ('1h', '6h', '1d', '1w')."""
    problem = window_problem(cron)
    if problem is not None:
        raise ValueError(problem)
    [gap] = set(_gaps(cron))
    hours = gap // HOUR
    if hours % WEEK_HOURS == 0:
        return f"{hours // WEEK_HOURS}w"
    if hours % DAY_HOURS == 0:
        return f"{hours // DAY_HOURS}d"
    return f"{hours}h"


@cache  # croniter walks a week of hourly runs in about 0.2 s; a stack asks for the same few crons
def _gaps(cron: str) -> tuple[timedelta, ...]:
    """The intervals between the runs of one week and a day (UTC, Vertex's time zone when the cron names none)."""
    from croniter import croniter  # 25 ms: paid only by stacks that monitor drift

    runs = croniter(cron, datetime(2024, 1, 1, tzinfo=UTC))
    times = [runs.get_next(datetime)]
    while times[-1] - times[0] <= timedelta(days=8):
        times.append(runs.get_next(datetime))
        if times[-1] - times[-2] < HOUR:  # sub-hourly: no need to walk on
            break
    return tuple(later - earlier for earlier, later in pairwise(times))
