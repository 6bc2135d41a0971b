"""A GitHub REST API fake for issue comments, on 127.0.0.1, following GitHub's documentation.

Each rule cites the page of docs.github.com/en/rest it comes from; tests/ci/test_fake_github.py
tests the rules on their own. Pull request conversation comments are issue comments.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "t0ken"
COMMENTS = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)/comments$")
COMMENT = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$")


@dataclass
class State:
    """What the fake holds: the repository, its issues (pull requests) and their comments, and every request."""

    repository: str = "acme/estaleiro"
    issues: set[int] = field(default_factory=lambda: {42})
    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 1000


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

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.state.requests.append(("GET", self.path))
        if not self._authorised() or (number := self._issue(url.path)) is None:
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

    def do_POST(self) -> None:
        self.state.requests.append(("POST", self.path))
        body = self._body()
        if not self._authorised() or (number := self._issue(urlparse(self.path).path)) is None:
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler.base
    finally:
        server.shutdown()
        server.server_close()
