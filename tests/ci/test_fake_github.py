"""The GitHub fake's rules, each on its own, so that what the comment tests prove holds for GitHub."""

from __future__ import annotations

from collections.abc import Iterator

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
