from __future__ import annotations

from pathlib import Path

from tests.conftest import commit_all


def test_all_stacks_upstream_first(repo: Path, cli) -> None:
    assert cli(repo, "stacks") == (0, "dev\nprod\n", "")


def test_upstream_orders_before_alphabet(repo: Path, cli) -> None:
    assert cli(repo, "env", "clone", "dev", "aaa", "--project", "acme-aaa-ml")[0] == 0
    config = repo / "stacks/aaa/Pulumi.aaa.yaml"
    config.write_text(config.read_text() + "  estaleiro:promotion:\n    from: prod\n")
    assert cli(repo, "stacks")[1] == "dev\nprod\naaa\n"


def test_changed_since_follows_stack_files_and_cards(repo: Path, cli) -> None:
    base = "HEAD"
    assert cli(repo, "stacks", "--changed-since", base)[1] == ""
    config = repo / "stacks/prod/Pulumi.prod.yaml"
    config.write_text(config.read_text().replace("kmsRotationDays: 30", "kmsRotationDays: 60"))
    assert cli(repo, "stacks", "--changed-since", base)[1] == "prod\n"
    commit_all(repo, "prod rotation")
    assert cli(repo, "stacks", "--changed-since", "HEAD~1")[1] == "prod\n"


def test_a_card_change_touches_every_stack_serving_the_model(repo: Path, cli) -> None:
    card = next((repo / "model_cards").rglob("*.yaml"))
    card.write_text(card.read_text() + "\n")
    assert cli(repo, "stacks", "--changed-since", "HEAD")[1] == "dev\nprod\n"


def test_shared_code_touches_every_stack(repo: Path, cli) -> None:
    (repo / "components" / "extra.py").write_text('"""new module"""\n')
    assert cli(repo, "stacks", "--changed-since", "HEAD")[1] == "dev\nprod\n"


def test_unknown_ref(repo: Path, cli) -> None:
    assert cli(repo, "stacks", "--changed-since", "nope") == (
        2,
        "",
        "--changed-since: 'nope' is not a commit, branch or tag of this repository\n",
    )
