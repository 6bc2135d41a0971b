"""GitHub, through PyGithub: the one client every part of Estaleiro that talks to GitHub uses.

PyGithub follows GitHub's pagination (`Link` headers) and retries rate limits and server errors;
failures come back as `GitHubError`, one line naming the call and GitHub's answer.
"""

from __future__ import annotations

import os

from github import Auth, Github, GithubException

from estaleiro.errors import EstaleiroError, InvalidInput

API_URL = "https://api.github.com"


class GitHubError(EstaleiroError):
    """GitHub refused or failed a call (bad token, no such pull request, an outage): exit 1."""


def connect(token: str | None = None, api_url: str | None = None) -> Github:
    """A client with the token from GITHUB_TOKEN and the API at GITHUB_API_URL (GitHub Enterprise, tests)."""
    token = token or os.environ.get("GITHUB_TOKEN", "")
    if not token:
        raise InvalidInput(
            "GITHUB_TOKEN is not set: CI passes the repository's token (Cloud Build: the github-token secret)"
        )
    url = api_url or os.environ.get("GITHUB_API_URL") or API_URL
    return Github(auth=Auth.Token(token), base_url=url.rstrip("/"), per_page=100, timeout=30, lazy=True)


def upsert_comment(client: Github, repository: str, number: int, marker: str, body: str) -> str:
    """Edit the pull request's comment holding `marker`, or post one: "updated" or "created".

    A pull request's conversation comments are its issue comments (GitHub REST: Issues > Comments).
    """
    try:
        issue = client.get_repo(repository).get_issue(number)
        ours = next((c for c in issue.get_comments() if marker in (c.body or "")), None)
        if ours is None:
            issue.create_comment(body)
            return "created"
        ours.edit(body)
        return "updated"
    except GithubException as err:
        message = err.data.get("message") if isinstance(err.data, dict) else err.data
        raise GitHubError(f"GitHub: commenting on {repository}#{number} failed ({err.status}): {message}") from None


def open_pull_request(client: Github, repository: str, branch: str, title: str, body: str) -> str:
    """Open a pull request from `branch` into the default branch; its web address."""
    try:
        repo = client.get_repo(repository)
        return str(repo.create_pull(base=repo.default_branch, head=branch, title=title, body=body).html_url)
    except GithubException as err:
        message = err.data.get("message") if isinstance(err.data, dict) else err.data
        raise GitHubError(
            f"GitHub: opening a pull request from {branch} on {repository} failed ({err.status}): {message}"
        ) from None


def open_pull_request_for(client: Github, repository: str, branch: str) -> str | None:
    """The web address of the open pull request from `branch`, if there is one."""
    try:
        repo = client.get_repo(repository)
        owner = repository.split("/", 1)[0]
        return next((str(p.html_url) for p in repo.get_pulls(state="open", head=f"{owner}:{branch}")), None)
    except GithubException as err:
        message = err.data.get("message") if isinstance(err.data, dict) else err.data
        raise GitHubError(
            f"GitHub: listing the pull requests from {branch} on {repository} failed ({err.status}): {message}"
        ) from None
