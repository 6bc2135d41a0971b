"""`estaleiro ci stacks --since REF`: the JSON list a deploy matrix takes; every stack when REF says nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import commit_all

Cli = Callable[..., tuple[int, str, str]]


def change(repo: Path, path: str) -> None:
    with (repo / path).open("a") as f:
        f.write("\n# changed\n")
    commit_all(repo, f"change {path}")


def test_a_push_deploys_the_stacks_it_changed(repo: Path, cli: Cli) -> None:
    change(repo, "stacks/prod/Pulumi.prod.yaml")
    assert cli(repo, "ci", "stacks", "--since", "HEAD~1") == (0, '["prod"]\n', "")
    change(repo, "components/platform.py")
    assert cli(repo, "ci", "stacks", "--since", "HEAD~1")[:2] == (0, '["dev", "prod"]\n')


def test_a_push_that_changed_no_stack_deploys_none(repo: Path, cli: Cli) -> None:
    (repo / "notes.txt").write_text("x")
    commit_all(repo, "notes")
    assert cli(repo, "ci", "stacks", "--since", "HEAD~1")[:2] == (0, "[]\n")


@pytest.mark.parametrize("before", ["0" * 40, "f" * 40, "HEAD~5"], ids=["first-push", "force-push", "no-such-ref"])
def test_a_base_that_says_nothing_deploys_every_stack_in_order(repo: Path, cli: Cli, before: str) -> None:
    change(repo, "stacks/prod/Pulumi.prod.yaml")
    code, out, err = cli(repo, "ci", "stacks", "--since", before)
    assert (code, out) == (0, '["dev", "prod"]\n')
    assert "every stack" in err


def test_a_broken_stack_fails_instead_of_deploying_nothing(repo: Path, cli: Cli) -> None:
    (repo / "stacks/prod/Pulumi.prod.yaml").write_text("config: [\n")
    commit_all(repo, "broken")
    code, out, err = cli(repo, "ci", "stacks", "--since", "HEAD~1")
    assert code == 2 and out == "" and "stacks/prod/Pulumi.prod.yaml" in err
