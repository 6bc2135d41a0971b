"""Each promotion rule on (base, head): the base is the committed repository, the head its working tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from estaleiro.config.environment import load_environment
from estaleiro.findings import Finding
from estaleiro.gate.base import load_base
from estaleiro.gate.run import base_tree
from policies.promotion import RULES, Rule, evaluate
from policies.promotion.artifact_buckets import artifact_buckets
from policies.promotion.canary_limit import canary_limit
from policies.promotion.card_metrics import card_metrics
from policies.promotion.immutable_versions import immutable_versions
from policies.promotion.owners import owners
from policies.promotion.pinned_images import pinned_images
from policies.promotion.upstream_first import upstream_first
from tests.conftest import commit_all
from tests.rollout.edits import add_card, edit, edit_card, entry

REPO = Path(__file__).resolve().parents[3]
PROD = "stacks/prod/models/churn.yaml"
DEV = "stacks/dev/models/churn.yaml"


def judged(rule: Rule, repo: Path, stack: str) -> list[Finding]:
    head = load_environment(repo, stack)
    with base_tree(repo, None) as tree:
        return rule(load_base(tree, head), head)


def summary(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule, f.file, f.resource) for f in findings]


def version_block(repo: Path, stack: str, version: str) -> str:
    text = (repo / f"stacks/{stack}/models/churn.yaml").read_text()
    start = text.index(f"  {version}:\n")
    end = min(i for i in (text.find("\n  v", start + 1) + 1, text.index("traffic:")) if i > 0)
    return text[start:end]


def serve_in_prod(repo: Path, version: str, split: str) -> None:
    """Declare dev's `version` in prod (as dev declares it) and set prod's split to `split`."""
    edit(repo, PROD, "traffic:\n", version_block(repo, "dev", version) + "traffic:\n")
    edit(repo, PROD, "traffic:\n  v6: 100\n", f"traffic:\n{split}")


def test_the_example_stacks_pass_every_rule(repo: Path) -> None:
    for stack in ("dev", "prod"):
        assert judged(evaluate, repo, stack) == []


# canary limit


def test_a_version_entering_at_the_limit_passes(repo: Path) -> None:
    serve_in_prod(repo, "v7", "  v6: 90\n  v7: 10\n")
    assert judged(canary_limit, repo, "prod") == []


@pytest.mark.parametrize("split", ["  v6: 50\n  v7: 50\n", "  v7: 100\n", "  v6: 0\n  v7: 100\n"])
def test_a_version_entering_above_the_limit_fails(repo: Path, split: str) -> None:
    serve_in_prod(repo, "v7", split)
    [finding] = judged(canary_limit, repo, "prod")
    percent = split.split("v7: ")[1].strip()
    assert (finding.rule, finding.file, finding.resource) == ("promotion/canary-limit", PROD, "churn/v7")
    assert finding.message == (
        f"v7 starts serving in prod at {percent} %, above the canary limit of 10 % "
        "(`estaleiro:promotion.canaryLimitPercent` in stacks/prod/Pulumi.prod.yaml): start at 10 % or less, "
        "then `estaleiro ramp`"
    )


def test_a_later_change_may_raise_a_serving_version(repo: Path) -> None:
    serve_in_prod(repo, "v7", "  v6: 90\n  v7: 10\n")
    commit_all(repo, "v7 canary in prod")
    edit(repo, PROD, "  v6: 90\n  v7: 10\n", "  v6: 25\n  v7: 75\n")
    assert judged(canary_limit, repo, "prod") == []


def test_a_version_declared_at_zero_enters_when_it_starts_serving(repo: Path) -> None:
    serve_in_prod(repo, "v7", "  v6: 100\n  v7: 0\n")
    assert judged(canary_limit, repo, "prod") == []
    commit_all(repo, "v7 declared at 0 % in prod")
    edit(repo, PROD, "  v6: 100\n  v7: 0\n", "  v6: 50\n  v7: 50\n")
    assert summary(judged(canary_limit, repo, "prod")) == [("promotion/canary-limit", PROD, "churn/v7")]


def test_versions_entering_together_share_the_limit(repo: Path) -> None:
    add_card(repo, "v8")
    edit(repo, DEV, "traffic:\n", entry(repo, "v8") + "traffic:\n")
    serve_in_prod(repo, "v7", "  v6: 90\n  v7: 5\n  v8: 5\n")
    edit(repo, PROD, "traffic:\n", version_block(repo, "dev", "v8") + "traffic:\n")
    assert judged(canary_limit, repo, "prod") == []
    edit(repo, PROD, "  v6: 90\n  v7: 5\n  v8: 5\n", "  v6: 80\n  v7: 10\n  v8: 10\n")
    findings = judged(canary_limit, repo, "prod")
    assert [f.resource for f in findings] == ["churn/v7", "churn/v8"]
    assert findings[0].message.startswith("v7 starts serving in prod at 10 % (with v7, v8: 20 % together), above")


def test_a_change_cannot_raise_the_limit_it_is_judged_by(repo: Path) -> None:
    serve_in_prod(repo, "v7", "  v6: 50\n  v7: 50\n")
    edit(repo, PROD, "traffic:\n", "canaryLimitPercent: 100\ntraffic:\n")
    assert summary(judged(canary_limit, repo, "prod")) == [("promotion/canary-limit", PROD, "churn/v7")]
    commit_all(repo, "the raised limit, merged")  # the next change is judged by it
    assert judged(canary_limit, repo, "prod") == []


def test_a_lower_limit_in_the_same_change_applies_at_once(repo: Path) -> None:
    serve_in_prod(repo, "v7", "  v6: 95\n  v7: 5\n")
    edit(repo, PROD, "traffic:\n", "canaryLimitPercent: 3\ntraffic:\n")
    [finding] = judged(canary_limit, repo, "prod")
    assert "above the canary limit of 3 % (`canaryLimitPercent` in stacks/prod/models/churn.yaml)" in finding.message


def test_a_model_new_to_the_stack_has_nothing_to_canary_beside(repo: Path) -> None:
    (repo / PROD).unlink()
    commit_all(repo, "prod serves no churn")
    (repo / PROD).write_text((repo / DEV).read_text().replace("  v6: 90\n  v7: 10\n", "  v7: 100\n"))
    assert judged(canary_limit, repo, "prod") == []


def test_a_stack_the_change_adds_has_no_base(repo: Path) -> None:
    """`env clone` output: everything in it is new, so nothing entered beside anything."""
    config = (repo / "stacks/prod/Pulumi.prod.yaml").read_text().replace("acme-ml-prod", "acme-ml-qa")
    (repo / "stacks/qa/models").mkdir(parents=True)
    (repo / "stacks/qa/Pulumi.qa.yaml").write_text(config)
    (repo / "stacks/qa/models/churn.yaml").write_text((repo / PROD).read_text())
    assert judged(canary_limit, repo, "qa") == [] and judged(immutable_versions, repo, "qa") == []
    assert judged(upstream_first, repo, "qa") == []  # v6 serves in dev, its upstream


# upstream first


def test_a_version_serving_upstream_may_enter(repo: Path) -> None:
    serve_in_prod(repo, "v7", "  v6: 90\n  v7: 10\n")
    assert judged(upstream_first, repo, "prod") == []


def test_prod_serving_a_version_dev_only_declares_at_zero_fails(repo: Path) -> None:
    add_card(repo, "v8")
    edit(repo, DEV, "traffic:\n", entry(repo, "v8") + "traffic:\n")
    edit(repo, DEV, "  v7: 10\n", "  v7: 10\n  v8: 0\n")
    commit_all(repo, "dev declares v8 at 0 %")
    serve_in_prod(repo, "v8", "  v6: 90\n  v8: 10\n")
    [finding] = judged(upstream_first, repo, "prod")
    assert (finding.resource, finding.message) == (
        "churn/v8",
        "v8 starts serving in prod but dev declares it at 0 % at HEAD: serve it in dev first (its own pull "
        "request, merged)",
    )


def test_a_version_upstream_serves_only_in_the_same_change_fails(repo: Path) -> None:
    add_card(repo, "v8")
    edit(repo, DEV, "traffic:\n", entry(repo, "v8") + "traffic:\n")
    edit(repo, DEV, "  v7: 10\n", "  v7: 5\n  v8: 5\n")
    serve_in_prod(repo, "v8", "  v6: 90\n  v8: 10\n")
    [finding] = judged(upstream_first, repo, "prod")
    assert "but dev does not declare it at HEAD" in finding.message


def test_a_version_under_an_upstream_name_must_be_the_upstream_artifact(repo: Path) -> None:
    serve_in_prod(repo, "v7", "  v6: 90\n  v7: 10\n")
    edit(repo, PROD, "gs://acme-ml-dev-models/churn/v7/", "gs://acme-ml-dev-models/churn/v7-retrained/")
    [finding] = judged(upstream_first, repo, "prod")
    assert finding.message.startswith(
        "v7 starts serving in prod but its artifactUri gs://acme-ml-dev-models/churn/v7-retrained/ is not dev's "
        "gs://acme-ml-dev-models/churn/v7/"
    )


def test_versions_already_serving_are_not_judged_again(repo: Path) -> None:
    """dev completing v7 (retiring v6) condemns nothing in prod, and prod may move traffic back to v6."""
    serve_in_prod(repo, "v7", "  v6: 90\n  v7: 10\n")
    commit_all(repo, "v7 canary in prod")
    edit(repo, DEV, version_block(repo, "dev", "v6"), "")
    edit(repo, DEV, "  v6: 90\n  v7: 10\n", "  v7: 100\n")
    commit_all(repo, "complete v7 in dev")
    edit(repo, PROD, "  v6: 90\n  v7: 10\n", "  v6: 100\n")  # a rollback
    assert judged(upstream_first, repo, "prod") == [] and judged(canary_limit, repo, "prod") == []


def test_dev_has_no_upstream_rules(repo: Path) -> None:
    assert judged(upstream_first, repo, "dev") == [] and judged(pinned_images, repo, "dev") == []


# versions immutable


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("gs://acme-ml-dev-models/churn/v6/", "gs://acme-ml-dev-models/churn/v6-fixed/", "artifactUri"),
        ("2-1@sha256:0c4e8a2f", "2-1@sha256:1c4e8a2f", "image"),
    ],
)
def test_a_version_swapped_under_its_key_fails(repo: Path, old: str, new: str, key: str) -> None:
    edit(repo, PROD, old, new)
    [finding] = judged(immutable_versions, repo, "prod")
    assert (finding.rule, finding.resource) == ("promotion/immutable-versions", "churn/v6")
    assert finding.message.startswith(f"v6 changes its {key} from ")
    assert finding.message.endswith("a version never changes: declare the new artifact, image or card as a new version")


def test_a_new_version_and_a_retired_one_are_not_changes(repo: Path) -> None:
    serve_in_prod(repo, "v7", "  v6: 90\n  v7: 10\n")
    assert judged(immutable_versions, repo, "prod") == []
    edit(repo, DEV, version_block(repo, "dev", "v6"), "")
    edit(repo, DEV, "  v6: 90\n  v7: 10\n", "  v7: 100\n")
    assert judged(immutable_versions, repo, "dev") == []


# card metrics


def test_card_metrics_below_threshold(repo: Path) -> None:
    edit_card(
        repo,
        "model_cards/churn/v7.yaml",
        "value: 0.874, confidence_interval: {lower_bound: 0.869, upper_bound: 0.879}",
        "value: 0.78",
    )
    edit_card(repo, "model_cards/churn/v6.yaml", "    - {type: log_loss, value: 0.392}\n", "")
    findings = judged(card_metrics, repo, "dev")
    assert [(f.resource, f.message) for f in findings] == [
        ("churn/v6", "card reports no overall log_loss; stacks/dev/models/churn.yaml requires log_loss <= 0.45"),
        ("churn/v7", "auc 0.78 is below the minimum 0.8"),
    ]
    assert {f.file for f in findings} == {"model_cards/churn/v6.yaml", "model_cards/churn/v7.yaml"}


def test_card_metrics_above_a_maximum(repo: Path) -> None:
    edit_card(repo, "model_cards/churn/v7.yaml", "value: 0.371", "value: 0.5")
    [finding] = judged(card_metrics, repo, "dev")
    assert (finding.resource, finding.message) == ("churn/v7", "log_loss 0.5 is above the maximum 0.45")


def test_a_sliced_metric_does_not_count_as_overall(repo: Path) -> None:
    edit_card(
        repo,
        "model_cards/churn/v7.yaml",
        "    - {type: auc, value: 0.874, confidence_interval: {lower_bound: 0.869, upper_bound: 0.879}}\n",
        "",
    )
    [finding] = judged(card_metrics, repo, "dev")
    assert finding.message == "card reports no overall auc; stacks/dev/models/churn.yaml requires auc >= 0.8"


# pinned images, artifact buckets, owners


def test_unpinned_image_in_prod(repo: Path) -> None:
    edit(
        repo,
        PROD,
        "xgboost-cpu.2-1@sha256:0c4e8a2f6b1d3e5a7c9f0b2d4e6a8c1f3b5d7e9a0c2e4f6b8d1a3c5e7f9b0d2c",
        "xgboost-cpu.2-1:1.7",
    )
    assert summary(judged(pinned_images, repo, "prod")) == [("promotion/pinned-images", PROD, "churn/v6")]


def test_artifact_outside_allowed_buckets(repo: Path) -> None:
    edit(repo, DEV, "gs://acme-ml-dev-models/churn/v7/", "gs://someone-elses-bucket/v7/")
    [finding] = judged(artifact_buckets, repo, "dev")
    assert finding.resource == "churn/v7"
    assert finding.message.startswith(
        "artifact gs://someone-elses-bucket/v7/ is outside the allowed buckets (acme-ml-dev-models)"
    )


def test_a_lookalike_bucket_is_not_the_stacks_own(repo: Path) -> None:
    edit(repo, DEV, "gs://acme-ml-dev-models/churn/v7/", "gs://acme-ml-dev-models-x/v7/")
    assert [f.resource for f in judged(artifact_buckets, repo, "dev")] == ["churn/v7"]


def test_prod_trusts_the_bucket_it_names(repo: Path) -> None:
    assert judged(artifact_buckets, repo, "prod") == []
    edit(repo, "stacks/prod/Pulumi.prod.yaml", "    - gs://acme-ml-dev-models\n", "    - gs://acme-ml-shared\n")
    assert [f.resource for f in judged(artifact_buckets, repo, "prod")] == ["churn/v6"]


def test_card_owner_missing_from_manifest(repo: Path) -> None:
    edit(repo, DEV, "  - churn-ds@acme.example.com\n", "")
    findings = judged(owners, repo, "dev")
    assert summary(findings) == [
        ("promotion/owners", DEV, "churn/v6"),
        ("promotion/owners", DEV, "churn/v7"),
    ]
    assert findings[0].message == (
        "owners include no owner of model_cards/churn/v6.yaml: add churn-ds@acme.example.com to `owners`"
    )


def test_evaluate_runs_every_rule_in_order(repo: Path) -> None:
    edit_card(
        repo,
        "model_cards/churn/v6.yaml",
        "value: 0.861, confidence_interval: {lower_bound: 0.855, upper_bound: 0.867}",
        "value: 0.7",
    )
    commit_all(repo, "a weaker v6 card, merged")
    edit(repo, PROD, "gs://acme-ml-dev-models/churn/v6/", "gs://elsewhere/churn/v6/")
    edit(repo, PROD, "  - churn-ds@acme.example.com\n", "")
    findings = judged(evaluate, repo, "prod")
    assert [rule.__name__ for rule in RULES] == [
        "canary_limit",
        "upstream_first",
        "immutable_versions",
        "retired_versions",
        "card_metrics",
        "pinned_images",
        "artifact_buckets",
        "owners",
    ]
    assert [f.rule for f in findings] == [
        "promotion/immutable-versions",
        "promotion/card-metrics",
        "promotion/artifact-buckets",
        "promotion/owners",
    ]
    assert {f.source for f in findings} == {"promotion"}
