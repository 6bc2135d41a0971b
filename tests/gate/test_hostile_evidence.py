"""Pull requests that edit the evidence a stack cites, each built on a branch of a temporary repository, each refused.

A card is immutable once a stack at the base cites it (the manifest records its sha256), a
version key never comes back as another artifact or image, a card lives in its model's folder,
and names are ASCII.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from estaleiro.findings import Finding
from tests.conftest import commit_all, git
from tests.gate.test_hostile_pr import check, rules
from tests.gate.test_run import PROD
from tests.rollout.edits import Cli, add_card, edit, edit_card, entry, sha256

DEV = "stacks/dev/models/churn.yaml"
V6 = "model_cards/churn/v6.yaml"
LATEST = "us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1:latest"


def refused_at_load(repo: Path, cli: Cli, *stacks: str) -> str:
    """`check --base main` on input that does not load: exit 2, and its one problem as `file: key: message`."""
    code, out, _ = cli(repo, "check", *stacks, "--base", "main", "--format", "json")
    assert code == 2
    [problem] = [f for f in json.loads(out)["findings"] if f["rule"] == "schema/invalid-input"]
    return f"{problem['file']}: {problem['message']}"


def immutable(findings: list[Finding], resource: str) -> list[str]:
    return [f.message for f in findings if (f.rule, f.resource) == ("promotion/immutable-versions", resource)]


# a card cited at the base never changes

AUC = "{type: auc, value: 0.861, confidence_interval: {lower_bound: 0.855, upper_bound: 0.867}}"


def test_the_metrics_of_a_serving_card_raised_after_the_fact(pr: Path, cli: Cli) -> None:
    old = sha256(pr, V6)
    edit_card(pr, V6, AUC, "{type: auc, value: 0.951, confidence_interval: {lower_bound: 0.945, upper_bound: 0.957}}")
    commit_all(pr, "v6 was better than we wrote")
    code, findings = check(pr, cli, "dev", "prod")
    assert code == 1
    changed = f"v6 changes its cardSha256 from {old} to {sha256(pr, V6)}; a version never changes"
    assert [m.startswith(changed) for m in immutable(findings, "churn/v6")] == [True, True]  # dev and prod
    assert {f.file for f in findings if f.rule == "promotion/immutable-versions"} == {DEV, PROD}


def test_the_card_serving_all_of_prod_dropped_below_its_thresholds(pr: Path, cli: Cli) -> None:
    edit_card(pr, V6, AUC, "{type: auc, value: 0.61}")
    commit_all(pr, "the honest v6 numbers")
    code, findings = check(pr, cli, "prod")
    assert code == 1
    assert immutable(findings, "churn/v6")
    assert ("promotion/card-metrics", "churn/v6") in rules(findings)


def test_a_card_edited_under_the_hash_its_manifest_records_does_not_load(pr: Path, cli: Cli) -> None:
    old = sha256(pr, V6)
    edit(pr, V6, AUC, "{type: auc, value: 0.951, confidence_interval: {lower_bound: 0.945, upper_bound: 0.957}}")
    commit_all(pr, "v6 was better than we wrote")
    assert refused_at_load(pr, cli, "prod") == (
        f"{PROD}: versions.v6.cardSha256: {old} is not the sha256 of {V6} ({sha256(pr, V6)}): a card never "
        "changes once a version cites it (new evidence is a new version, with its own card); `estaleiro promote` "
        "records the hash of a new version's card"
    )


def test_a_card_renamed_and_re_pointed_for_a_version_the_base_declares(pr: Path, cli: Cli) -> None:
    renamed = "model_cards/churn/v6-final.yaml"
    old = sha256(pr, V6)
    git(pr, "mv", V6, renamed)
    edit(pr, renamed, AUC, "{type: auc, value: 0.951, confidence_interval: {lower_bound: 0.945, upper_bound: 0.957}}")
    for manifest in (DEV, PROD):
        edit(
            pr,
            manifest,
            f"card: {V6}\n    cardSha256: {old}\n",
            f"card: {renamed}\n    cardSha256: {sha256(pr, renamed)}\n",
        )
    commit_all(pr, "v6's final card")
    code, findings = check(pr, cli, "dev", "prod")
    assert code == 1
    moved = f"v6 changes its card from {V6} to {renamed}; a version never changes"
    assert [any(m.startswith(moved) for m in immutable(findings, "churn/v6"))] == [True]
    assert {f.file for f in findings if f.rule == "promotion/immutable-versions"} == {DEV, PROD}


# a version key never comes back as another artifact or image


def retire_v7_on_main(pr: Path) -> str:
    """v7 retired from dev on main, merged into the pull request's branch; v7's entry as it was."""
    git(pr, "checkout", "-q", "main")
    v7 = entry(pr, "v7")
    edit(pr, DEV, v7, "")
    edit(pr, DEV, "  v6: 90\n  v7: 10\n", "  v6: 100\n")
    commit_all(pr, "v7 retired from dev")
    git(pr, "checkout", "-q", "pr")
    git(pr, "merge", "-q", "main")
    return v7


def test_a_retired_version_key_re_declared_with_another_artifact_and_a_latest_image(pr: Path, cli: Cli) -> None:
    retire_v7_on_main(pr)
    other = entry(pr, "v7", "gs://acme-ml-dev-models/churn/v7-other/").replace(
        "2-1@sha256:5a1f3c0e9d7b2a4f6e8c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a", "2-1:latest"
    )
    assert LATEST in other
    edit(pr, DEV, "traffic:\n", other + "traffic:\n")
    edit(pr, DEV, "  v6: 100\n", "  v6: 90\n  v7: 10\n")
    commit_all(pr, "v7 again, citing v7's card")
    code, findings = check(pr, cli, "dev")
    assert code == 1
    [message] = [f.message for f in findings if (f.rule, f.resource) == ("promotion/retired-versions", "churn/v7")]
    assert message.startswith(f"v7 was declared in {DEV} at ")
    assert message.endswith(
        "with artifactUri gs://acme-ml-dev-models/churn/v7/, not gs://acme-ml-dev-models/churn/v7-other/; "
        "a version key is never reused: declare the new artifact or image as a new version"
    )


def test_a_retired_version_brought_back_as_it_was_reuses_nothing(pr: Path, cli: Cli) -> None:
    v7 = retire_v7_on_main(pr)
    edit(pr, DEV, "traffic:\n", v7 + "traffic:\n")
    edit(pr, DEV, "  v6: 100\n", "  v6: 90\n  v7: 10\n")
    commit_all(pr, "v7 back, as it was")
    code, findings = check(pr, cli, "dev")
    assert (code, findings) == (0, [])


def test_the_history_the_gate_trusts_is_the_bases_not_the_pull_requests(pr: Path, cli: Cli) -> None:
    """A key the pull request's own commits declared and retired is not history: main never merged it."""
    add_card(pr, "v8")
    edit(pr, DEV, "traffic:\n", entry(pr, "v8", "gs://acme-ml-dev-models/churn/v8-draft/") + "traffic:\n")
    commit_all(pr, "a draft v8")
    edit(pr, DEV, "gs://acme-ml-dev-models/churn/v8-draft/", "gs://acme-ml-dev-models/churn/v8/")
    edit(pr, DEV, "  v6: 90\n  v7: 10\n", "  v6: 80\n  v7: 10\n  v8: 10\n")
    commit_all(pr, "v8, final")
    code, findings = check(pr, cli, "dev")
    assert (code, findings) == (0, [])


# a card lives in its model's folder, and names are ASCII


def _symlinked_card(repo: Path) -> str:
    (repo / "docs").mkdir()
    (repo / "docs/v8.yaml").write_text((repo / "model_cards/churn/v7.yaml").read_text().replace("name: v7", "name: v8"))
    (repo / "model_cards/churn/v8.yaml").symlink_to("../../docs/v8.yaml")
    return "model_cards/churn/v8.yaml"


def _dotted_card(repo: Path) -> str:
    add_card(repo, "v8")
    return "model_cards/churn/../churn/v8.yaml"


def _another_models_card(repo: Path) -> str:
    (repo / "model_cards/fraud").mkdir()
    (repo / "model_cards/fraud/v8.yaml").write_text(
        (repo / "model_cards/churn/v7.yaml").read_text().replace("name: v7", "name: v8")
    )
    return "model_cards/fraud/v8.yaml"


def _lookalike_folder(repo: Path) -> str:
    (repo / "model_cards/\u0441hurn").mkdir()
    (repo / "model_cards/\u0441hurn/v8.yaml").write_text(
        (repo / "model_cards/churn/v7.yaml").read_text().replace("name: v7", "name: v8")
    )
    return "model_cards/\u0441hurn/v8.yaml"


@pytest.mark.parametrize(
    "card",
    [_symlinked_card, _dotted_card, _another_models_card, _lookalike_folder],
    ids=["symlink", "dot-dot", "another-model", "cyrillic-folder"],
)
def test_a_card_outside_its_models_folder_does_not_load(pr: Path, cli: Cli, card: Callable[[Path], str]) -> None:
    cited = card(pr)
    v8 = entry(pr, "v7").replace("v7", "v8").replace("model_cards/churn/v8.yaml", cited)
    v8 = v8.replace(sha256(pr, "model_cards/churn/v7.yaml"), sha256(pr, cited))
    edit(pr, DEV, "traffic:\n", v8 + "traffic:\n")
    edit(pr, DEV, "  v6: 90\n  v7: 10\n", "  v6: 80\n  v7: 10\n  v8: 10\n")
    commit_all(pr, "v8 citing a card from elsewhere")
    assert refused_at_load(pr, cli, "dev") == (
        f"{DEV}: versions.v8.card: {cited!r} is not a card of churn: a card lives in model_cards/churn/ "
        "(no '..', no symlink, no other model's folder)"
    )


def test_a_second_manifest_under_a_lookalike_name_does_not_load(pr: Path, cli: Cli) -> None:
    """`\\u0441hurn` (a Cyrillic es, then `hurn`): another model to the loader, the same one to a reviewer."""
    lookalike = "stacks/prod/models/\u0441hurn.yaml"
    (pr / lookalike).write_text((pr / PROD).read_text())
    commit_all(pr, "a second churn in prod")
    assert refused_at_load(pr, cli, "prod") == (
        f"{lookalike}: model name '\u0441hurn' is not a DNS label: lowercase letters, digits and hyphens, "
        "starting with a letter, at most 63"
    )
