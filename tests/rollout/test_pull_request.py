"""The suggested pull request: what a reviewer reads before approving a serving change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from estaleiro.config.environment import load_environment
from estaleiro.config.manifest import VersionSpec
from estaleiro.config.types import Threshold
from estaleiro.gate.thresholds import describe, shortfall
from estaleiro.rollout.pull_request import Proposal, body, title

REPO = Path(__file__).resolve().parents[2]


def proposal(**overrides: Any) -> Proposal:
    """Promoting the example v7 into dev beside v6, with `overrides` applied."""
    churn = load_environment(REPO, "dev").model("churn")
    assert churn is not None
    base = Proposal(
        summary="Promote churn v7 to dev",
        model="churn",
        version="v7",
        stack="dev",
        why="v7 starts at 10 % of traffic.",
        before={"v6": 100},
        after={"v6": 90, "v7": 10},
        card=churn.cards["v7"].card,
        card_file=churn.cards["v7"].file,
        thresholds=churn.manifest.thresholds,
        serving={},
        upload=None,
    )
    return replace(base, **overrides)


def test_title_names_the_share() -> None:
    assert title(proposal()) == "Promote churn v7 to dev (10 % canary)"
    assert title(proposal(after={"v7": 100})) == "Promote churn v7 to dev (all traffic)"


def test_a_threshold_the_card_misses_is_flagged_for_the_reviewer() -> None:
    text = body(proposal(thresholds={"auc": Threshold(min=0.9), "recall": Threshold(min=0.7, max=0.8)}))
    assert "| metric | v7 | threshold |\n|---|---:|---|\n" in text
    assert "| auc | 0.874 | >= 0.9 **not met** |" in text
    assert "| recall | 0.74 | >= 0.7 and <= 0.8 |" in text
    assert "| log_loss | 0.371 | - |" in text
    assert "tenure" not in text  # sliced metrics are not headline metrics


def test_every_serving_version_is_compared_not_only_the_champion() -> None:
    dev = load_environment(REPO, "dev").model("churn")
    assert dev is not None
    cards = {v: c.card for v, c in dev.cards.items()}
    text = body(
        proposal(version="v8", before={"v6": 60, "v7": 40}, serving=cards, after={"v6": 54, "v7": 36, "v8": 10})
    )
    assert "| metric | v8 | v6 (serving 60 %) | v7 (serving 40 %) | threshold |\n|---|---:|---:|---:|---|\n" in text
    assert "| auc | 0.874 | 0.861 | 0.874 | >= 0.8 |" in text


def test_the_artifact_and_image_being_uploaded_are_shown() -> None:
    spec = VersionSpec.model_validate(
        {"artifactUri": "gs://bkt/churn/v7/", "image": "x.io/i:7", "card": "c", "cardSha256": "0" * 64}
    )
    text = body(proposal(upload=spec))
    assert "### Uploaded: `v7`\n\n- artifact: `gs://bkt/churn/v7/`\n- image: `x.io/i:7`\n" in text
    assert "Uploaded" not in body(proposal())


def test_the_reason_for_the_share_opens_the_body() -> None:
    assert body(proposal()).split("\n")[2] == "v7 starts at 10 % of traffic."


def test_versions_sort_by_number() -> None:
    text = body(proposal(before={"v9": 100}, after={"v9": 90, "v10": 10}))
    assert text.index("| v9 |") < text.index("| v10 |")


def test_threshold_words_and_the_one_comparison() -> None:
    assert describe(Threshold(max=0.45)) == "<= 0.45"
    assert describe(Threshold(min=0.7, max=0.8)) == ">= 0.7 and <= 0.8"
    assert shortfall(Threshold(min=0.8), 0.8) is None
    assert shortfall(Threshold(max=0.45), 0.46) == "above the maximum 0.45"
    assert shortfall(Threshold(min=0.8), 0.79) == "below the minimum 0.8"
    assert shortfall(Threshold(min=0.8), float("nan")) == "below the minimum 0.8"  # never a pass
    assert shortfall(Threshold(max=0.45), float("nan")) == "above the maximum 0.45"
