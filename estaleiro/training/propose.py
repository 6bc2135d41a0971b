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
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from estaleiro.config.environment import load_card
from estaleiro.errors import EstaleiroError
from estaleiro.github import API_URL
from estaleiro.naming import GITHUB_CREDENTIALS
from estaleiro.training.card import Provenance, new_card
from estaleiro.training.evaluate import Score
from estaleiro.training.spec import TrainingSpec
from estaleiro.training.storage import upload
from estaleiro.training.versions import next_version
from estaleiro.training.workspace import Workspace, github_workspace, local_workspace

if TYPE_CHECKING:
    from google.cloud.secretmanager_v1 import SecretManagerServiceClient

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


@dataclass(frozen=True)
class Cloud:
    """Where the cloud path finds GitHub and the token's secret: the real services unless told otherwise."""

    git_url: str = "https://github.com/{repository}.git"
    api_url: str = API_URL
    secrets: SecretManagerServiceClient | None = None  # None: a client with the environment's credentials


def propose(
    spec: str, evidence: Evidence, models_bucket: str, repository: str, mirror: str, cloud: Cloud = Cloud()
) -> dict[str, str]:
    settings = TrainingSpec.model_validate_json(spec)
    champion = settings.champion
    if champion is None:
        raise ValueError(f"{settings.model} serves no version in {settings.stack}: no champion card to build on")
    with workspace(repository, settings.project, cloud) as work:
        version = next_version(work.root, settings.model)
        branch = f"ct/{settings.model}-{version}"
        if (existing := work.proposed(branch)) is not None:
            # A run before the proposal of this version is merged or closed proposes nothing, as a losing
            # challenger does: the artifact under review is never overwritten, no second pull request opens.
            return {
                "version": version,
                "branch": branch,
                "pending": existing,
                "reason": f"{settings.model} {version} is proposed already ({existing}): merge it, or close it and "
                f"delete {branch}, before proposing again; nothing was uploaded",
            }
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
        work.commit(branch, change.title, [card_file, change.manifest])
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


def workspace(repository: str, project: str, cloud: Cloud = Cloud()) -> AbstractContextManager[Workspace]:
    """`github:owner/name` in the cloud (token from the stack's Secret Manager), else a local path."""
    if not repository.startswith(GITHUB):
        return local_workspace(Path(repository))
    name = repository.removeprefix(GITHUB)
    token = _secret(project, GITHUB_CREDENTIALS, cloud.secrets)
    return github_workspace(name, token, cloud.git_url.format(repository=name), cloud.api_url)


def _secret(project: str, secret: str, client: SecretManagerServiceClient | None = None) -> str:
    """The latest version's data, checked against its CRC32C as secret-manager/docs/data-integrity advises."""
    import google_crc32c
    from google.api_core.exceptions import GoogleAPICallError
    from google.cloud.secretmanager_v1 import SecretManagerServiceClient

    name = f"projects/{project}/secrets/{secret}/versions/latest"
    try:
        payload = (client or SecretManagerServiceClient()).access_secret_version(name=name).payload
    except GoogleAPICallError as err:
        code = err.grpc_status_code.name if err.grpc_status_code else err.code
        raise EstaleiroError(f"{name}: reading the GitHub token failed ({code}): {err.message}") from None
    if payload.data_crc32c != google_crc32c.value(payload.data):
        raise EstaleiroError(f"{name}: the data does not match its CRC32C checksum (corrupted in transit): not used")
    return bytes(payload.data).decode("utf-8")
