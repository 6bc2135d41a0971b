"""The GitHub fake's rules, each on its own, so that what the comment tests prove holds for GitHub."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.ci.fake_github import TOKEN, State, serve

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def github() -> Iterator[tuple[str, State]]:
    state = State()
    with serve(state) as base:
        yield base, state


def test_a_bad_token_is_401_bad_credentials(github: tuple[str, State]) -> None:
    base, _ = github
    answer = requests.get(f"{base}/repos/acme/estaleiro/issues/42/comments", headers={"Authorization": "Bearer x"})
    assert (answer.status_code, answer.json()["message"]) == (401, "Bad credentials")


def test_an_unknown_issue_is_404(github: tuple[str, State]) -> None:
    base, _ = github
    answer = requests.get(f"{base}/repos/acme/estaleiro/issues/7/comments", headers=AUTH)
    assert (answer.status_code, answer.json()["message"]) == (404, "Not Found")


def test_posting_answers_201_with_the_comment_and_its_url(github: tuple[str, State]) -> None:
    base, state = github
    answer = requests.post(f"{base}/repos/acme/estaleiro/issues/42/comments", json={"body": "hi"}, headers=AUTH)
    assert answer.status_code == 201
    assert answer.json()["url"] == f"{base}/repos/acme/estaleiro/issues/comments/{answer.json()['id']}"
    missing = requests.post(f"{base}/repos/acme/estaleiro/issues/42/comments", json={}, headers=AUTH)
    assert missing.status_code == 422 and len(state.comments) == 1


def test_pages_hold_30_by_default_100_at_most_and_link_to_the_next(github: tuple[str, State]) -> None:
    base, state = github
    state.comments += [{"id": n, "issue": 42, "body": str(n)} for n in range(130)]
    url = f"{base}/repos/acme/estaleiro/issues/42/comments"
    first = requests.get(url, headers=AUTH)
    assert len(first.json()) == 30 and first.links["next"]["url"] == f"{url}?per_page=30&page=2"
    big = requests.get(url, params={"per_page": 500}, headers=AUTH)
    assert len(big.json()) == 100 and big.links["next"]["url"] == f"{url}?per_page=100&page=2"
    last = requests.get(big.links["next"]["url"], headers=AUTH)
    assert [c["body"] for c in last.json()] == [str(n) for n in range(100, 130)] and "next" not in last.links


def test_editing_changes_the_body_of_that_comment_only(github: tuple[str, State]) -> None:
    base, state = github
    state.comments += [{"id": 1, "issue": 42, "body": "a"}, {"id": 2, "issue": 42, "body": "b"}]
    answer = requests.patch(f"{base}/repos/acme/estaleiro/issues/comments/2", json={"body": "c"}, headers=AUTH)
    assert answer.status_code == 200 and [c["body"] for c in state.comments] == ["a", "c"]
    assert (
        requests.patch(f"{base}/repos/acme/estaleiro/issues/comments/9", json={"body": "c"}, headers=AUTH).status_code
        == 404
    )


def test_a_repository_answers_its_default_branch_and_api_url_and_an_unknown_one_is_404(
    github: tuple[str, State],
) -> None:
    base, _ = github
    repository = requests.get(f"{base}/repos/acme/estaleiro", headers=AUTH).json()
    assert (repository["default_branch"], repository["url"]) == ("main", f"{base}/repos/acme/estaleiro")
    for answer in (
        requests.get(f"{base}/repos/acme/nope", headers=AUTH),
        requests.post(
            f"{base}/repos/acme/nope/pulls", json={"title": "t", "head": "main", "base": "main"}, headers=AUTH
        ),
    ):
        assert (answer.status_code, answer.json()["message"]) == (404, "Not Found")


def test_a_pull_request_needs_existing_head_and_base_branches_of_the_bare_repository(
    github: tuple[str, State], tmp_path: Path
) -> None:
    base, state = github
    state.git = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(state.git)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(state.git), str(work)], check=True, capture_output=True)
    for args in (("commit", "-q", "--allow-empty", "-m", "x"), ("push", "-q", "origin", "HEAD:main", "HEAD:ct/x")):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@x", *args], cwd=work, check=True)
    url = f"{base}/repos/acme/estaleiro/pulls"
    missing = requests.post(url, json={"title": "t", "head": "ct/none", "base": "main"}, headers=AUTH)
    assert (missing.status_code, missing.json()["message"]) == (422, "Validation Failed")
    assert missing.json()["errors"] == [{"resource": "PullRequest", "field": "head", "code": "invalid"}]
    untitled = requests.post(url, json={"head": "ct/x", "base": "main"}, headers=AUTH).json()
    assert untitled["errors"] == [{"resource": "PullRequest", "field": "title", "code": "missing_field"}]
    made = requests.post(url, json={"title": "t", "body": "b", "head": "acme:ct/x", "base": "main"}, headers=AUTH)
    assert made.status_code == 201 and made.json()["number"] == 43  # after issue 42: pull requests are issues
    assert made.json()["html_url"] == "https://github.com/acme/estaleiro/pull/43"


def test_a_second_pull_request_for_the_same_head_is_422_already_exists_and_listing_filters_by_head(
    github: tuple[str, State],
) -> None:
    base, state = github
    url = f"{base}/repos/acme/estaleiro/pulls"
    assert requests.post(url, json={"title": "t", "head": "main", "base": "main"}, headers=AUTH).status_code == 201
    again = requests.post(url, json={"title": "u", "head": "main", "base": "main"}, headers=AUTH).json()
    assert again["errors"] == [
        {"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for acme:main."}
    ]
    assert [p["number"] for p in requests.get(url, params={"head": "acme:main"}, headers=AUTH).json()] == [43]
    assert requests.get(url, params={"head": "acme:other"}, headers=AUTH).json() == []
    state.pulls[0]["state"] = "closed"
    assert requests.get(url, params={"head": "acme:main"}, headers=AUTH).json() == []
    assert len(requests.get(url, params={"head": "acme:main", "state": "all"}, headers=AUTH).json()) == 1
