"""Propose a challenger: upload its artifact, write its card, and open the promotion for review.

Training never deploys. The proposal is the very change `estaleiro promote` makes (same code,
same policy rules, same pull-request text) plus the version's card, committed on a branch
`ct/<model>-<version>`: in a worktree of the local repository on this machine, or in a clone
of the GitHub repository in the cloud, which is pushed and opened as a pull request.
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from estaleiro.config.environment import load_card
from estaleiro.naming import GITHUB_CREDENTIALS
from estaleiro.training.card import Provenance, new_card
from estaleiro.training.evaluate import Score
from estaleiro.training.spec import TrainingSpec
from estaleiro.training.storage import upload
from estaleiro.training.versions import next_version
from estaleiro.training.workspace import Workspace, github_workspace, local_workspace

BASELINE = "training-data.csv"  # Model Monitoring's baseline: the rows the version learnt from
CARD_HEADER = "# yaml-language-server: $schema=../../estaleiro/schemas/model-card.schema.json\n"
GITHUB = "github:"


@dataclass(frozen=True)
class Evidence:
    """What the earlier steps produced."""

    model_dir: Path
    rows: Path  # the training rows, Parquet: stored beside the model as its drift baseline
    scores: Sequence[Mapping[str, Any]]
    data_uri: str
    train_rows: int
    holdout_rows: int
    run: str


def propose(spec: str, evidence: Evidence, models_bucket: str, repository: str, mirror: str) -> dict[str, str]:
    settings = TrainingSpec.model_validate_json(spec)
    champion = settings.champion
    if champion is None:
        raise ValueError(f"{settings.model} serves no version in {settings.stack}: no champion card to build on")
    with workspace(repository, settings.project) as work:
        version = next_version(work.root, settings.model)
        artifact_uri = f"{models_bucket.rstrip('/')}/{settings.model}/{version}/"
        with tempfile.TemporaryDirectory(prefix="estaleiro-artifact-") as staging:
            shutil.copytree(evidence.model_dir, staging, dirs_exist_ok=True)
            pd.read_parquet(evidence.rows).to_csv(Path(staging, BASELINE), index=False)
            stored = upload(Path(staging), artifact_uri, mirror)
        previous = load_card(work.root / champion.card, champion.card, settings.model, champion.version)
        made = Provenance(
            artifact_uri + BASELINE,
            evidence.data_uri,
            evidence.train_rows,
            evidence.holdout_rows,
            settings.training.holdout.fraction,
            evidence.run,
            datetime.datetime.now(datetime.UTC).date(),
        )
        scores = [Score(s["type"], float(s["value"]), s.get("slice", "")) for s in evidence.scores]
        card = new_card(previous, settings.model, version, settings.owners, scores, made)
        card_file = f"model_cards/{settings.model}/{version}.yaml"
        document = card.model_dump(mode="json", exclude_defaults=True)
        (work.root / card_file).write_text(CARD_HEADER + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        change = work.promote(settings.model, version, settings.stack, artifact_uri, settings.serve_image)
        branch = work.commit(f"ct/{settings.model}-{version}", change.title, [card_file, change.manifest])
        return {
            "version": version,
            "artifact": stored,
            "card": card_file,
            "branch": branch,
            "diff": work.diff(),
            "where": work.publish(branch, change),
            "title": change.title,
            "body": change.body,
        }


def workspace(repository: str, project: str) -> AbstractContextManager[Workspace]:
    """`github:owner/name` in the cloud (token from the stack's Secret Manager), else a local path."""
    if not repository.startswith(GITHUB):
        return local_workspace(Path(repository))
    name = repository.removeprefix(GITHUB)
    token = _secret(project, GITHUB_CREDENTIALS)
    return github_workspace(name, token, f"https://github.com/{name}.git", "https://api.github.com")


def _secret(project: str, secret: str) -> str:
    from google.cloud.secretmanager_v1 import SecretManagerServiceClient

    name = f"projects/{project}/secrets/{secret}/versions/latest"
    payload: bytes = SecretManagerServiceClient().access_secret_version(name=name).payload.data
    return payload.decode("utf-8")
