"""Each promotion rule on the example stacks (pass) and on edited copies of them (fail)."""

from __future__ import annotations

import shutil
from pathlib import Path

from estaleiro.config.environment import load_environment
from estaleiro.findings import Finding
from policies.promotion import RULES, evaluate
from policies.promotion.artifact_buckets import artifact_buckets
from policies.promotion.card_metrics import card_metrics
from policies.promotion.owners import owners
from policies.promotion.pinned_images import pinned_images
from policies.promotion.promoted_from_upstream import promoted_from_upstream
from tests.conftest import commit_all
from tests.promotion.edits import Cli, add_card, edit

REPO = Path(__file__).resolve().parents[3]


def summary(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule, f.file, f.resource) for f in findings]


def test_the_example_stacks_pass_every_rule() -> None:
    for stack in ("dev", "prod"):
        assert evaluate(load_environment(REPO, stack), REPO) == []


def test_card_metrics_below_threshold(repo: Path) -> None:
    edit(repo, "model_cards/churn/v7.yaml", "value: 0.874", "value: 0.78")
    edit(repo, "model_cards/churn/v6.yaml", "    - {type: log_loss, value: 0.392}\n", "")
    findings = card_metrics(load_environment(repo, "dev"), repo)
    assert [(f.resource, f.message) for f in findings] == [
        ("churn/v6", "card reports no overall log_loss; stacks/dev/models/churn.yaml requires log_loss <= 0.45"),
        ("churn/v7", "auc 0.78 is below the minimum 0.8"),
    ]
    assert {f.file for f in findings} == {"model_cards/churn/v6.yaml", "model_cards/churn/v7.yaml"}


def test_a_sliced_metric_does_not_count_as_overall(repo: Path) -> None:
    edit(
        repo,
        "model_cards/churn/v7.yaml",
        "    - {type: auc, value: 0.874, confidence_interval: {lower_bound: 0.869, upper_bound: 0.879}}\n",
        "",
    )
    [finding] = card_metrics(load_environment(repo, "dev"), repo)
    assert finding.message == "card reports no overall auc; stacks/dev/models/churn.yaml requires auc >= 0.8"


def test_prod_version_never_in_dev(repo: Path) -> None:
    add_card(repo, "v9")
    edit(
        repo,
        "stacks/prod/models/churn.yaml",
        "traffic:",
        "  v9:\n    artifactUri: gs://acme-ml-dev-models/churn/v9/\n"
        "    image: us-docker.pkg.dev/x/y@sha256:" + "b" * 64 + "\n    card: model_cards/churn/v9.yaml\ntraffic:",
    )
    findings = promoted_from_upstream(load_environment(repo, "prod"), repo)
    assert summary(findings) == [("promotion/promoted-from-upstream", "stacks/prod/models/churn.yaml", "churn/v9")]
    assert findings[0].message == "v9 was never declared in stacks/dev/models/churn.yaml: promote it to dev first"


def test_a_version_retired_upstream_still_counts_as_having_been_there(repo: Path, cli: Cli) -> None:
    assert cli(repo, "complete", "churn", "v7", "--in", "dev")[0] == 0  # dev retires v6
    commit_all(repo, "complete v7 in dev")
    assert promoted_from_upstream(load_environment(repo, "prod"), repo) == []


def test_history_counts_even_after_the_upstream_manifest_was_deleted(repo: Path) -> None:
    (repo / "stacks/dev/models/churn.yaml").unlink()
    commit_all(repo, "dev stops serving churn")
    assert promoted_from_upstream(load_environment(repo, "prod"), repo) == []


def test_only_committed_or_present_upstream_versions_count(repo: Path) -> None:
    (repo / "stacks/dev/models/churn.yaml").unlink()
    assert [f.resource for f in promoted_from_upstream(load_environment(repo, "prod"), repo)] == []
    shutil.rmtree(repo / ".git")
    assert [f.resource for f in promoted_from_upstream(load_environment(repo, "prod"), repo)] == ["churn/v6"]


def test_dev_has_no_upstream_rules() -> None:
    env = load_environment(REPO, "dev")
    assert promoted_from_upstream(env, REPO) == [] and pinned_images(env, REPO) == []


def test_unpinned_image_in_prod(repo: Path) -> None:
    edit(
        repo,
        "stacks/prod/models/churn.yaml",
        "xgboost-cpu.2-1@sha256:0c4e8a2f6b1d3e5a7c9f0b2d4e6a8c1f3b5d7e9a0c2e4f6b8d1a3c5e7f9b0d2c",
        "xgboost-cpu.2-1:1.7",
    )
    findings = pinned_images(load_environment(repo, "prod"), repo)
    assert summary(findings) == [("promotion/pinned-images", "stacks/prod/models/churn.yaml", "churn/v6")]


def test_artifact_outside_allowed_buckets(repo: Path) -> None:
    edit(repo, "stacks/dev/models/churn.yaml", "gs://acme-ml-dev-models/churn/v7/", "gs://someone-elses-bucket/v7/")
    [finding] = artifact_buckets(load_environment(repo, "dev"), repo)
    assert finding.resource == "churn/v7"
    assert finding.message.startswith(
        "artifact gs://someone-elses-bucket/v7/ is outside the allowed buckets (acme-ml-dev-models)"
    )


def test_a_lookalike_bucket_is_not_the_stacks_own(repo: Path) -> None:
    edit(repo, "stacks/dev/models/churn.yaml", "gs://acme-ml-dev-models/churn/v7/", "gs://acme-ml-dev-models-x/v7/")
    assert [f.resource for f in artifact_buckets(load_environment(repo, "dev"), repo)] == ["churn/v7"]


def test_prod_trusts_the_bucket_it_names(repo: Path) -> None:
    assert artifact_buckets(load_environment(repo, "prod"), repo) == []
    edit(repo, "stacks/prod/Pulumi.prod.yaml", "    - gs://acme-ml-dev-models\n", "    - gs://acme-ml-shared\n")
    assert [f.resource for f in artifact_buckets(load_environment(repo, "prod"), repo)] == ["churn/v6"]


def test_card_owner_missing_from_manifest(repo: Path) -> None:
    edit(repo, "stacks/dev/models/churn.yaml", "  - churn-ds@acme.example.com\n", "")
    findings = owners(load_environment(repo, "dev"), repo)
    assert summary(findings) == [
        ("promotion/owners", "stacks/dev/models/churn.yaml", "churn/v6"),
        ("promotion/owners", "stacks/dev/models/churn.yaml", "churn/v7"),
    ]
    assert findings[0].message == (
        "owners include no owner of model_cards/churn/v6.yaml: add churn-ds@acme.example.com to `owners`"
    )


def test_evaluate_runs_every_rule_in_order(repo: Path) -> None:
    edit(repo, "model_cards/churn/v6.yaml", "value: 0.861", "value: 0.7")
    edit(repo, "stacks/prod/models/churn.yaml", "gs://acme-ml-dev-models/churn/v6/", "gs://elsewhere/churn/v6/")
    edit(repo, "stacks/prod/models/churn.yaml", "  - churn-ds@acme.example.com\n", "")
    findings = evaluate(load_environment(repo, "prod"), repo)
    assert [rule.__name__ for rule in RULES] == [
        "card_metrics",
        "promoted_from_upstream",
        "pinned_images",
        "artifact_buckets",
        "owners",
    ]
    assert [f.rule for f in findings] == ["promotion/card-metrics", "promotion/artifact-buckets", "promotion/owners"]
    assert {f.source for f in findings} == {"promotion"}
