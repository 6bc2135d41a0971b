"""A GitHub REST API fake for issue comments and pull requests, on 127.0.0.1, following GitHub's documentation.

Each rule cites the page of docs.github.com/en/rest it comes from; tests/ci/test_fake_github.py
tests the rules on their own. Pull request conversation comments are issue comments. The
repository's branches are those of a real bare git repository (`State.git`) when one is given,
so that what a client pushes with git is what the pull request routes see.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "t0ken"
COMMENTS = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)/comments$")
COMMENT = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$")
REPOSITORY = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)$")
PULLS = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/pulls$")


@dataclass
class State:
    """What the fake holds: the repository, its issues (pull requests) and their comments, and every request."""

    repository: str = "acme/estaleiro"
    issues: set[int] = field(default_factory=lambda: {42})
    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 1000
    default_branch: str = "main"
    git: Path | None = None  # a bare repository holding the branches; None: only the default branch
    pulls: list[dict[str, Any]] = field(default_factory=list)

    def branches(self) -> set[str]:
        if self.git is None:
            return {self.default_branch}
        refs = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname:short)", "refs/heads"],
            cwd=self.git, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return set(refs.stdout.split())


class Handler(BaseHTTPRequestHandler):
    state: State
    base: str

    def log_message(self, *_: object) -> None:
        return

    def _reply(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        # Authenticating to the REST API: `Authorization: Bearer <token>` or `token <token>`;
        # a bad token is 401 {"message": "Bad credentials"}.
        if self.headers.get("Authorization") in (f"Bearer {TOKEN}", f"token {TOKEN}"):
            return True
        self._reply(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        return False

    def _issue(self, path: str) -> int | None:
        # Issues > Comments: an unknown repository or issue is 404 {"message": "Not Found"}.
        match = COMMENTS.match(path)
        if match and match["repo"] == self.state.repository and int(match["number"]) in self.state.issues:
            return int(match["number"])
        self._reply(404, {"message": "Not Found"})
        return None

    def _comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        # An issue comment carries its own API `url`, which clients use to edit it.
        return {**comment, "url": f"{self.base}/repos/{self.state.repository}/issues/comments/{comment['id']}"}

    def _repository(self) -> dict[str, Any]:
        # Get a repository (repos/repos#get-a-repository): its `url` is where clients send its calls.
        owner, name = self.state.repository.split("/")
        return {
            "name": name,
            "full_name": self.state.repository,
            "owner": {"login": owner},
            "default_branch": self.state.default_branch,
            "url": f"{self.base}/repos/{self.state.repository}",
            "html_url": f"https://github.com/{self.state.repository}",
        }

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.state.requests.append(("GET", self.path))
        if not self._authorised():
            return
        for pattern, answer in ((REPOSITORY, self._repository), (PULLS, lambda: self._list_pulls(url.query))):
            if match := pattern.match(url.path):
                # An unknown repository (or one the token cannot see) is 404 {"message": "Not Found"}.
                if match["repo"] != self.state.repository:
                    self._reply(404, {"message": "Not Found"})
                else:
                    self._reply(200, answer())
                return
        if (number := self._issue(url.path)) is None:
            return
        # Using pagination in the REST API: `per_page` (default 30, at most 100) and `page` (from 1);
        # a `Link` header names the next page while there is one.
        query = parse_qs(url.query)
        size = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        ours = [c for c in self.state.comments if c["issue"] == number]
        chunk = ours[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(ours):
            headers["Link"] = f'<{self.base}{url.path}?per_page={size}&page={page + 1}>; rel="next"'
        self._reply(200, [self._comment_json(c) for c in chunk], headers)

    def _body(self) -> Any:
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

    def _list_pulls(self, query: str) -> list[dict[str, Any]]:
        # List pull requests (pulls/pulls#list-pull-requests): `state` open (default), closed or all;
        # `head` "Filter pulls by head user or head organization and branch name in the format of user:ref-name".
        asked = parse_qs(query)
        state = asked.get("state", ["open"])[0]
        head = asked.get("head", [""])[0]
        owner = self.state.repository.split("/")[0]
        return [
            p for p in self.state.pulls
            if state in ("all", p["state"]) and (not head or head == f"{owner}:{p['head']['ref']}")
        ]  # fmt: skip

    def _create_pull(self, body: dict[str, Any]) -> None:
        # Create a pull request (pulls/pulls#create-a-pull-request): `title`, `head` and `base` are required;
        # the answer is 201 Created with the pull request. An invalid request is 422 "Validation Failed"
        # with `errors` naming the resource, field and code: a head or base branch that does not exist is
        # code "invalid"; a head that already has an open pull request into that base is a "custom" error
        # "A pull request already exists for owner:branch.". A pull request is an issue and shares its numbers.
        owner = self.state.repository.split("/")[0]
        head, base = str(body.get("head", "")), str(body.get("base", ""))
        head_ref = head.split(":", 1)[1] if head.startswith(f"{owner}:") else head
        missing = [f for f in ("title", "head", "base") if not isinstance(body.get(f), str) or not body[f]]
        branches = self.state.branches()
        errors = [{"resource": "PullRequest", "field": f, "code": "missing_field"} for f in missing]
        errors += [
            {"resource": "PullRequest", "field": f, "code": "invalid"}
            for f, ref in (("head", head_ref), ("base", base))
            if f not in missing and ref not in branches
        ]
        if not errors and self._list_pulls(f"head={owner}:{head_ref}&state=open"):
            message = f"A pull request already exists for {owner}:{head_ref}."
            errors = [{"resource": "PullRequest", "code": "custom", "message": message}]
        if errors:
            self._reply(422, {"message": "Validation Failed", "errors": errors})
            return
        number = max(self.state.issues | {p["number"] for p in self.state.pulls}) + 1
        self.state.issues.add(number)
        pull = {
            "number": number,
            "state": "open",
            "title": body["title"],
            "body": body.get("body"),
            "head": {"ref": head_ref, "label": f"{owner}:{head_ref}"},
            "base": {"ref": base},
            "url": f"{self.base}/repos/{self.state.repository}/pulls/{number}",
            "html_url": f"https://github.com/{self.state.repository}/pull/{number}",
        }
        self.state.pulls.append(pull)
        self._reply(201, pull)

    def do_POST(self) -> None:
        self.state.requests.append(("POST", self.path))
        body = self._body()
        if not self._authorised():
            return
        if match := PULLS.match(urlparse(self.path).path):
            if match["repo"] != self.state.repository:
                self._reply(404, {"message": "Not Found"})
            else:
                self._create_pull(body)
            return
        if (number := self._issue(urlparse(self.path).path)) is None:
            return
        # Create an issue comment: `body` is required; the answer is 201 Created with the comment.
        if not isinstance(body.get("body"), str):
            self._reply(422, {"message": 'Invalid request.\n\n"body" wasn\'t supplied.'})
            return
        comment = {"id": self.state.next_id, "issue": number, "body": body["body"]}
        self.state.next_id += 1
        self.state.comments.append(comment)
        self._reply(201, self._comment_json(comment))

    def do_PATCH(self) -> None:
        self.state.requests.append(("PATCH", self.path))
        body = self._body()
        if not self._authorised():
            return
        # Update an issue comment: PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}, 200 with the comment.
        match = COMMENT.match(urlparse(self.path).path)
        found = [c for c in self.state.comments if match and c["id"] == int(match["id"])]
        if not found or match is None or match["repo"] != self.state.repository:
            self._reply(404, {"message": "Not Found"})
            return
        found[0]["body"] = body["body"]
        self._reply(200, self._comment_json(found[0]))


@contextmanager
def serve(state: State) -> Iterator[str]:
    """The fake on a free port of 127.0.0.1; yields its base URL (what GITHUB_API_URL names)."""
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield handler.base
    finally:
        server.shutdown()
        server.server_close()
