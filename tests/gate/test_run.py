"""The gate as `check` runs it: the repository's own rules, in a worker, on each stack against its base."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from estaleiro.errors import InvalidInput
from estaleiro.findings import Finding
from estaleiro.gate.run import base_tree, judge
from tests.conftest import commit_all, git
from tests.rollout.edits import Cli, add_card, edit, edit_card, entry

PROD = "stacks/prod/models/churn.yaml"
DEV = "stacks/dev/models/churn.yaml"
EVERYTHING_FAILS = """
from policies.promotion.finding import violation


def everything(base, head):
    return [violation("everything", m.file, m.name, v, "this repository refuses everything") for m in head.models
            for v in m.manifest.versions]


RULES = (*RULES, everything)
"""


def rules_failed(repo: Path, stack: str, ref: str | None = None) -> list[tuple[str, str]]:
    with base_tree(repo, ref) as tree:
        return [(f.rule, f.resource) for f in judge(repo, [stack], tree)]


def prod_serves(repo: Path, split: str) -> None:
    edit(repo, PROD, "traffic:\n  v6: 100\n", entry(repo, "v7") + f"traffic:\n{split}")


# hand-edited pull requests, against every rule


def test_a_prod_version_entering_at_50_percent(repo: Path) -> None:
    prod_serves(repo, "  v6: 50\n  v7: 50\n")
    assert rules_failed(repo, "prod") == [("promotion/canary-limit", "churn/v7")]


def test_a_prod_version_entering_at_100_percent(repo: Path) -> None:
    prod_serves(repo, "  v7: 100\n")
    assert rules_failed(repo, "prod") == [("promotion/canary-limit", "churn/v7")]


def test_a_version_swapped_under_its_existing_key(repo: Path) -> None:
    edit(repo, PROD, "gs://acme-ml-dev-models/churn/v6/", "gs://acme-ml-dev-models/churn/v6-retrained/")
    assert rules_failed(repo, "prod") == [("promotion/immutable-versions", "churn/v6")]


def test_prod_serving_a_version_dev_only_declares_at_zero(repo: Path) -> None:
    add_card(repo, "v8")
    v8 = entry(repo, "v8")
    edit(repo, DEV, "traffic:\n", v8 + "traffic:\n")
    edit(repo, DEV, "  v7: 10\n", "  v7: 10\n  v8: 0\n")
    commit_all(repo, "dev declares v8 at 0 %")
    edit(repo, PROD, "traffic:\n  v6: 100\n", v8 + "traffic:\n  v6: 90\n  v8: 10\n")
    assert rules_failed(repo, "prod") == [("promotion/upstream-first", "churn/v8")]


def test_a_hand_written_rollback_passes_like_the_command(repo: Path) -> None:
    prod_serves(repo, "  v6: 90\n  v7: 10\n")
    commit_all(repo, "v7 canary in prod")
    edit(repo, PROD, "  v6: 90\n  v7: 10\n", "  v6: 100\n")
    assert rules_failed(repo, "prod") == []


def test_check_fails_a_hand_edited_pull_request_against_its_merge_base(repo: Path, cli: Cli) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    prod_serves(repo, "  v6: 50\n  v7: 50\n")
    commit_all(repo, "v7 at 50 % in prod, by hand")
    assert rules_failed(repo, "prod") == []  # against HEAD, the commit itself, nothing changes
    assert rules_failed(repo, "prod", "main") == [("promotion/canary-limit", "churn/v7")]
    code, out, _ = cli(repo, "check", "--base", "main", "--format", "json")
    assert code == 1
    failed = [(f["rule"], f["resource"]) for f in json.loads(out)["findings"] if not f["waived"]]
    assert failed == [("promotion/canary-limit", "churn/v7")]


# the worker


def test_two_repositories_judged_in_one_process_keep_their_own_rules(repo: Path, tmp_path: Path) -> None:
    strict = tmp_path / "strict"
    shutil.copytree(repo, strict)
    rules = strict / "policies/promotion/__init__.py"
    rules.write_text(rules.read_text() + EVERYTHING_FAILS)
    commit_all(strict, "a repository with a rule of its own")
    for _ in range(2):  # either order: nothing imported for one leaks into the other
        assert rules_failed(strict, "prod") == [("promotion/everything", "churn/v6")]
        assert rules_failed(repo, "prod") == []


def test_findings_come_back_whole(repo: Path) -> None:
    edit_card(
        repo,
        "model_cards/churn/v7.yaml",
        "value: 0.874, confidence_interval: {lower_bound: 0.869, upper_bound: 0.879}",
        "value: 0.7",
    )
    commit_all(repo, "a weaker v7 card, merged")  # else the edited card is a changed version too
    with base_tree(repo, None) as tree:
        assert judge(repo, ["dev"], tree) == [
            Finding(
                file="model_cards/churn/v7.yaml",
                rule="promotion/card-metrics",
                message="auc 0.7 is below the minimum 0.8",
                source="promotion",
                resource="churn/v7",
            )
        ]


def test_a_repository_without_rules_is_not_an_estaleiro_repository(repo: Path) -> None:
    shutil.rmtree(repo / "policies/promotion")
    with base_tree(repo, None) as tree, pytest.raises(InvalidInput, match="no policies/promotion package"):
        judge(repo, ["dev"], tree)


# the base


def test_a_base_that_does_not_load_is_named_by_its_ref(repo: Path) -> None:
    edit(repo, PROD, "  v6: 100", "  v6: 90")
    commit_all(repo, "a broken prod on main")
    edit(repo, PROD, "  v6: 90", "  v6: 100")
    with base_tree(repo, None) as tree, pytest.raises(InvalidInput) as err:
        judge(repo, ["prod"], tree)
    [problem] = err.value.problems
    assert (problem.file, problem.path, problem.message) == (
        "HEAD:stacks/prod/models/churn.yaml",
        "traffic",
        "traffic split sums to 90, must be 100",
    )


def test_an_unknown_base_ref_is_bad_input(repo: Path) -> None:
    with (
        pytest.raises(InvalidInput, match="--base: 'nope' is not a commit, branch or tag of this repository"),
        base_tree(repo, "nope"),
    ):
        pass


def test_a_repository_with_no_commit_has_no_base(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    with base_tree(tmp_path, None) as tree:
        assert (tree.ref, tree.path) == ("HEAD", None)
