"""The repository's layout: every path spelled once, and what makes a repository an Estaleiro one."""

from __future__ import annotations

from pathlib import Path

from estaleiro import layout


def test_paths() -> None:
    assert layout.stack_file("dev") == "stacks/dev/Pulumi.dev.yaml"
    assert layout.manifest_file("prod", "churn") == "stacks/prod/models/churn.yaml"
    assert layout.card_file("churn", "v7") == "model_cards/churn/v7.yaml"


def test_which_stack_or_model_a_file_belongs_to() -> None:
    assert layout.stack_of("stacks/dev/models/churn.yaml") == "dev"
    assert layout.stack_of("stacks/README.md") is None
    assert layout.model_of_card("model_cards/churn/v7.yaml") == "churn"
    assert layout.model_of_card("model_cards/README.md") is None


def test_stacks_are_folders_with_their_stack_file(repo: Path) -> None:
    (repo / "stacks/empty").mkdir()
    assert layout.stack_names(repo) == ["dev", "prod"]


def test_inside_follows_symlinks(repo: Path, tmp_path: Path) -> None:
    (repo / "link").symlink_to(tmp_path)
    assert layout.inside(repo, "stacks/dev") == repo / "stacks/dev"
    assert layout.inside(repo, "../x") is None
    assert layout.inside(repo, "link/x") is None
