"""The decline rule: quality has declined when N of the last M countable windows miss the threshold.

Decided per version, champion and challenger apart: a challenger's bad days are not the champion's.
A window with too few labels (below minimumCoverage) or an undefined metric is skipped, never a miss.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from estaleiro.config.monitoring import Quality
from estaleiro.gate.thresholds import shortfall
from estaleiro.quality.windows import Window


@dataclass(frozen=True)
class VersionVerdict:
    version: str
    declined: bool
    judged: tuple[Window, ...]  # the most recent countable windows, at most `of`, oldest first
    missed: tuple[Window, ...]  # those of `judged` whose metric misses the threshold
    skipped: tuple[Window, ...]  # windows with too few labels or an undefined metric


@dataclass(frozen=True)
class Verdict:
    versions: tuple[VersionVerdict, ...]

    @property
    def declined(self) -> tuple[str, ...]:
        return tuple(v.version for v in self.versions if v.declined)


def decline(windows: Iterable[Window], rule: Quality) -> Verdict:
    """Each version's verdict under `rule`: its metric, threshold, minimum coverage and N-of-M."""
    by_version: dict[str, list[Window]] = {}
    for window in sorted(windows, key=lambda w: w.start):
        by_version.setdefault(window.version, []).append(window)
    return Verdict(tuple(_judge(version, seen, rule) for version, seen in sorted(by_version.items())))


def _judge(version: str, windows: list[Window], rule: Quality) -> VersionVerdict:
    countable = [w for w in windows if w.countable(rule)]
    judged = tuple(countable[-rule.decline.of :])
    missed = tuple(w for w in judged if _misses(w, rule))
    return VersionVerdict(
        version=version,
        declined=len(missed) >= rule.decline.windows,
        judged=judged,
        missed=missed,
        skipped=tuple(w for w in windows if not w.countable(rule)),
    )


def _misses(window: Window, rule: Quality) -> bool:
    value = window.metrics[rule.metric]
    assert value is not None, "only countable windows are judged"
    return shortfall(rule.threshold, value) is not None
