"""The propose step's cloud path end to end: token from Secret Manager, branch pushed, pull request opened.

Everything is real but the services: the GitHub fake's branches are a bare git repository the
workspace clones from and pushes to, and the token comes from the Secret Manager fake.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import joblib
import pytest
from google.cloud import secretmanager_v1 as v1

from estaleiro.config.environment import load_environment
from estaleiro.errors import EstaleiroError
from estaleiro.rollout.edit import write
from estaleiro.rollout.promotion import promotion
from estaleiro.rollout.pull_request import body, title
from estaleiro.training.dataset import LABEL, churn_frame
from estaleiro.training.evaluate import evaluate
from estaleiro.training.propose import Cloud, Evidence, propose
from estaleiro.training.spec import spec_for
from estaleiro.training.train import fit, split
from tests.ci.fake_github import TOKEN, State, serve
from tests.conftest import git
from tests.training.fake_secret_manager import FakeSecretManager, Version

IMAGE = "us-central1-docker.pkg.dev/acme-ml-dev/acme-ml-dev-containers/churn-model-serve:abc"
BUCKET = "gs://acme-ml-dev-models"
CARD, MANIFEST = "model_cards/churn/v8.yaml", "stacks/dev/models/churn.yaml"


@pytest.fixture
def origin(repo: Path, tmp_path: Path) -> Path:
    """The repository as GitHub holds it: a bare clone whose branches the fake's pull requests see."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    return bare


@pytest.fixture
def github(origin: Path) -> Iterator[tuple[str, State]]:
    state = State(git=origin)
    with serve(state) as base:
        yield base, state


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Evidence:
    """A challenger trained once for the module: the propose step only copies and describes it."""
    tmp_path = tmp_path_factory.mktemp("challenger")
    env = load_environment(Path(__file__).resolve().parents[2], "dev")
    model = env.model("churn")
    assert model is not None and model.manifest.monitoring is not None
    features = dict(model.manifest.monitoring.features)
    parts = split(churn_frame(800, seed=3), LABEL, 0.25, seed=7)
    (tmp_path / "model").mkdir()
    joblib.dump(
        fit(parts.train, features, LABEL, model.manifest.training.hyperparameters, seed=7),
        tmp_path / "model/model.joblib",
    )  # type: ignore[union-attr]
    parts.train.to_parquet(tmp_path / "rows.parquet", index=False)
    fitted = joblib.load(tmp_path / "model/model.joblib")
    scores = evaluate(fitted, parts.holdout, LABEL, ["auc", "log_loss"], [])
    return Evidence(
        tmp_path / "model", tmp_path / "rows.parquet",
        [{"type": s.type, "value": s.value, "slice": s.slice} for s in scores],
        "bq://acme-ml-dev.churn.training", len(parts.train), len(parts.holdout), "continuous-training-20250101",
    )  # fmt: skip


def _propose(
    repo: Path, evidence: Evidence, origin: Path, api: str, secrets: v1.SecretManagerServiceClient, tmp: Path
) -> dict[str, str]:
    env = load_environment(repo, "dev")
    model = env.model("churn")
    assert model is not None
    spec = spec_for(env, model, IMAGE).parameter()
    cloud = Cloud(git_url=origin.as_uri(), api_url=api, secrets=secrets)
    return propose(spec, evidence, BUCKET, "github:acme/estaleiro", str(tmp / "buckets"), cloud)


def test_the_pull_request_is_what_promote_writes_and_the_branch_holds_the_card_and_the_manifest(
    repo: Path, origin: Path, github: tuple[str, State], evidence: Evidence,
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient, tmp_path: Path,
) -> None:  # fmt: skip
    api, state = github
    secret_manager.add("acme-ml-dev", "github-token", Version(TOKEN.encode()))
    outcome = _propose(repo, evidence, origin, api, secrets, tmp_path)
    assert outcome["where"] == "https://github.com/acme/estaleiro/pull/43"
    [pull] = state.pulls
    assert (pull["head"]["ref"], pull["base"]["ref"]) == ("ct/churn-v8", "main")
    assert git(origin, "diff", "--name-only", "main", "ct/churn-v8").split() == [CARD, MANIFEST]
    # What `estaleiro promote churn v8 --to dev` writes, on main with the card: the same title, body and manifest.
    checkout = tmp_path / "promote"
    subprocess.run(["git", "clone", "-q", "--branch", "main", str(origin), str(checkout)], check=True)
    (checkout / CARD).write_text(git(origin, "show", f"ct/churn-v8:{CARD}"))
    edit = promotion(checkout, "churn", "v8", "dev", artifact_uri=f"{BUCKET}/churn/v8/", image=IMAGE)
    write(checkout, edit)
    assert (
        (pull["title"], pull["body"])
        == (title(edit.proposal), body(edit.proposal))
        == (outcome["title"], outcome["body"])
    )
    assert git(origin, "show", f"ct/churn-v8:{MANIFEST}") == (checkout / MANIFEST).read_text()
    assert TOKEN not in (origin / "config").read_text()


def test_a_rerun_for_the_same_version_opens_no_second_pull_request_and_uploads_nothing(
    repo: Path, origin: Path, github: tuple[str, State], evidence: Evidence,
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient, tmp_path: Path,
) -> None:  # fmt: skip
    api, state = github
    secret_manager.add("acme-ml-dev", "github-token", Version(TOKEN.encode()))
    _propose(repo, evidence, origin, api, secrets, tmp_path)
    shutil.rmtree(tmp_path / "buckets")
    assert _propose(repo, evidence, origin, api, secrets, tmp_path) == {
        "version": "v8",
        "branch": "ct/churn-v8",
        "pending": "https://github.com/acme/estaleiro/pull/43",
        "reason": "churn v8 is proposed already (https://github.com/acme/estaleiro/pull/43): merge it, or close it "
        "and delete ct/churn-v8, before proposing again; nothing was uploaded",
    }
    assert len(state.pulls) == 1 and [m for m, p in state.requests if p.endswith("/pulls")] == ["POST"]
    assert not (tmp_path / "buckets").exists()
    state.pulls[0]["state"] = "closed"  # closed, its branch kept: still nothing new until the branch goes
    pending = _propose(repo, evidence, origin, api, secrets, tmp_path)["pending"]
    assert pending == "branch ct/churn-v8 of acme/estaleiro"


def test_a_token_github_refuses_fails_the_step_after_the_push_in_one_line(
    repo: Path, origin: Path, github: tuple[str, State], evidence: Evidence,
    secret_manager: FakeSecretManager, secrets: v1.SecretManagerServiceClient, tmp_path: Path,
) -> None:  # fmt: skip
    api, _ = github
    secret_manager.add("acme-ml-dev", "github-token", Version(b"revoked"))
    with pytest.raises(
        EstaleiroError,
        match=r"^GitHub: opening a pull request from ct/churn-v8 on acme/estaleiro failed \(401\): Bad credentials$",
    ):
        _propose(repo, evidence, origin, api, secrets, tmp_path)
