"""The model card a retrained version cites: measured numbers from the pipeline, judgement from people.

Metrics, data and provenance come from the run; what only people can write (intended users,
use cases, limitations, ethical considerations) is carried over from the champion's card, and
the version's `diff` says so, so the reviewer knows which parts to read again.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from estaleiro.config.card import ModelCard
from estaleiro.training.evaluate import Score
from estaleiro.training.train import ARCHITECTURE


@dataclass(frozen=True)
class Provenance:
    """Where the version came from: its data and the pipeline run that made it."""

    data_uri: str  # where the training rows are kept: the model's drift baseline
    source: str  # where they were read from (a BigQuery table in the cloud, a file on a laptop)
    train_rows: int
    holdout_rows: int
    holdout_fraction: float
    run: str  # the pipeline run's name or URL
    day: datetime.date


def new_card(
    champion: ModelCard, model: str, version: str, owners: Sequence[str], scores: Iterable[Score], made: Provenance
) -> ModelCard:
    previous = champion.model_details
    document: dict[str, Any] = {
        "model_details": {
            "name": model,
            "overview": previous.overview,
            "owners": [{"name": owner.split("@")[0], "contact": owner} for owner in owners],
            "version": {
                "name": version,
                "date": made.day.isoformat(),
                "diff": (
                    f"Retrained by continuous training (run {made.run}) on {made.source}. "
                    f"Considerations carried over from {previous.version.name}'s card: review them."
                ),
            },
            "documentation": previous.documentation,
            "licenses": list(previous.licenses),
            "references": [made.run],
        },
        "model_parameters": {
            "model_architecture": ARCHITECTURE,
            "training_data": {
                "name": f"{model}-{version}-training",
                "link": made.data_uri,
                "description": (
                    f"{made.train_rows} rows of {made.source}, a stratified {1 - made.holdout_fraction:.0%}; "
                    "the whole read, kept beside the model, is its drift baseline."
                ),
                "sensitive": champion.model_parameters.training_data.sensitive,
            },
            "evaluation_data": {
                "name": f"{model}-{version}-holdout",
                "link": made.source,
                "description": f"The held-out {made.holdout_fraction:.0%}: {made.holdout_rows} rows, never trained on.",
                "sensitive": champion.model_parameters.evaluation_data.sensitive,
            },
            "input_format": champion.model_parameters.input_format,
            "output_format": champion.model_parameters.output_format,
        },
        "quantitative_analysis": {
            "performance_metrics": [
                {"type": s.type, "value": s.value, **({"slice": s.slice} if s.slice else {})} for s in scores
            ]
        },
        "considerations": champion.considerations.model_dump(mode="json"),
    }
    return ModelCard.model_validate(document)
