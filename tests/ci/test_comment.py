"""`estaleiro ci comment` through PyGithub against the GitHub fake: one comment per key, edited on each push."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.ci.fake_github import TOKEN, State, serve

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[State]:
    state = State()
    with serve(state) as base:
        monkeypatch.setenv("GITHUB_API_URL", base)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        yield state


def post(cli: Cli, folder: Path, text: str, *key: str, number: str = "42") -> tuple[int, str, str]:
    report = folder / "report.md"
    report.write_text(text)
    return cli(folder, "ci", "comment", *key, "acme/estaleiro", number, str(report))


def writes(state: State) -> list[tuple[str, str]]:
    return [(method, path) for method, path in state.requests if method != "GET"]


def test_the_comment_is_posted_once_then_edited(github: State, cli: Cli, tmp_path: Path) -> None:
    assert post(cli, tmp_path, "### Estaleiro plan for `dev`\n")[:2] == (0, "acme/estaleiro#42: comment created\n")
    assert post(cli, tmp_path, "### Estaleiro plan for `dev`, second push\n")[:2] == (
        0,
        "acme/estaleiro#42: comment updated\n",
    )
    assert writes(github) == [
        ("POST", "/repos/acme/estaleiro/issues/42/comments"),
        ("PATCH", "/repos/acme/estaleiro/issues/comments/1000"),
    ]
    [comment] = github.comments
    assert comment["body"] == "<!-- estaleiro:plan -->\n\n### Estaleiro plan for `dev`, second push\n"


def test_each_key_keeps_its_own_comment(github: State, cli: Cli, tmp_path: Path) -> None:
    """Cloud Build reports per stack: dev's build must not overwrite prod's comment."""
    for stack in ("dev", "prod", "dev"):
        assert post(cli, tmp_path, f"plan of {stack}\n", "--key", stack)[0] == 0
    assert [c["body"].splitlines()[-1] for c in github.comments] == ["plan of dev", "plan of prod"]
    assert [method for method, _ in writes(github)] == ["POST", "POST", "PATCH"]


def test_the_comment_is_found_past_the_first_page(github: State, cli: Cli, tmp_path: Path) -> None:
    github.comments += [{"id": n, "issue": 42, "body": "a reviewer's remark"} for n in range(150)]
    post(cli, tmp_path, "first\n")
    post(cli, tmp_path, "second\n")
    assert [method for method, _ in writes(github)] == ["POST", "PATCH"]
    assert github.comments[-1]["body"].endswith("second\n")
    assert any("page=2" in path for method, path in github.requests if method == "GET")


def test_a_refused_token_is_one_line_and_exit_1(
    github: State, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "expired")
    code, out, err = post(cli, tmp_path, "plan\n")
    assert (code, out) == (1, "")
    assert err == "GitHub: commenting on acme/estaleiro#42 failed (401): Bad credentials\n"


def test_an_unknown_pull_request_is_one_line_and_exit_1(github: State, cli: Cli, tmp_path: Path) -> None:
    code, _, err = post(cli, tmp_path, "plan\n", number="7")
    assert (code, err) == (1, "GitHub: commenting on acme/estaleiro#7 failed (404): Not Found\n")
    assert not github.comments


def test_no_token_is_bad_input(github: State, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = post(cli, tmp_path, "plan\n")
    assert code == 2 and err.startswith("GITHUB_TOKEN is not set") and github.requests == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("acme/estaleiro", "42", "missing.md"), "'missing.md' does not exist"),
        (("acme/estaleiro", "0", "report.md"), "0 is not in the range x>=1"),
        (("acme/estaleiro", "42"), "Missing argument 'FILES...'"),
    ],
)
def test_bad_arguments_are_exit_2(github: State, cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "report.md").write_text("plan\n")
    code, _, err = cli(tmp_path, "ci", "comment", *args)
    assert code == 2 and message in err and github.requests == []
