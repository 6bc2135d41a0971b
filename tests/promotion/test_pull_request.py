"""The suggested pull request: what a reviewer reads before approving a serving change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from estaleiro.config.environment import load_environment
from estaleiro.config.manifest import Threshold
from estaleiro.promotion.pull_request import Change, body, title
from estaleiro.promotion.thresholds import describe, meets

REPO = Path(__file__).resolve().parents[2]


def change(**overrides: Any) -> Change:
    """Promoting the example v7 into dev beside v6, with `overrides` applied."""
    churn = load_environment(REPO, "dev").model("churn")
    assert churn is not None
    base = Change(
        summary="Promote churn v7 to dev",
        model="churn",
        version="v7",
        stack="dev",
        before={"v6": 100},
        after={"v6": 90, "v7": 10},
        card=churn.cards["v7"].card,
        card_file=churn.cards["v7"].file,
        thresholds=churn.manifest.thresholds,
        incumbent=None,
    )
    return replace(base, **overrides)


def test_title_names_the_share() -> None:
    assert title(change()) == "Promote churn v7 to dev (10 % canary)"
    assert title(change(after={"v7": 100})) == "Promote churn v7 to dev (all traffic)"


def test_a_threshold_the_card_misses_is_flagged_for_the_reviewer() -> None:
    text = body(change(thresholds={"auc": Threshold(min=0.9), "recall": Threshold(min=0.7, max=0.8)}))
    assert "| metric | v7 | threshold |\n|---|---:|---|\n" in text
    assert "| auc | 0.874 | >= 0.9 **not met** |" in text
    assert "| recall | 0.74 | >= 0.7 and <= 0.8 |" in text
    assert "| log_loss | 0.371 | - |" in text
    assert "tenure" not in text  # sliced metrics are not headline metrics


def test_versions_sort_by_number() -> None:
    text = body(change(before={"v9": 100}, after={"v9": 90, "v10": 10}))
    assert text.index("| v9 |") < text.index("| v10 |")


def test_threshold_words() -> None:
    assert describe(Threshold(max=0.45)) == "<= 0.45"
    assert meets(Threshold(min=0.8), 0.8) and not meets(Threshold(max=0.45), 0.46)
