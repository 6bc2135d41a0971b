"""scripts/ci/post_pr_comment.py against a GitHub API fake: one comment per key, edited on each push."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts/ci/post_pr_comment.py"


class FakeGitHub(BaseHTTPRequestHandler):
    comments: ClassVar[list[dict[str, Any]]] = []
    requests: ClassVar[list[tuple[str, str, Any]]] = []

    def _reply(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.requests.append(("GET", self.path, None))
        query = parse_qs(urlparse(self.path).query)
        size, page = int(query["per_page"][0]), int(query["page"][0])
        self._reply(self.comments[(page - 1) * size : page * size])

    def _write(self, method: str) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((method, self.path, body))
        if method == "POST":
            self.comments.append({"id": 1000 + len(self.comments), "body": body["body"]})
        else:
            [comment] = [c for c in self.comments if self.path.endswith(f"/comments/{c['id']}")]
            comment["body"] = body["body"]
        self._reply({})

    def do_POST(self) -> None:
        self._write("POST")

    def do_PATCH(self) -> None:
        self._write("PATCH")

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def github() -> Iterator[str]:
    FakeGitHub.comments, FakeGitHub.requests = [], []
    server = HTTPServer(("127.0.0.1", 0), FakeGitHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def post(api: str, report: Path, *key: str) -> None:
    env = {"GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": api, "PATH": "/usr/bin:/bin"}
    command = [sys.executable, str(SCRIPT), *key, "acme/estaleiro", "42", str(report)]
    subprocess.run(command, env=env, check=True)


def test_the_comment_is_posted_once_then_edited(github: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("### Estaleiro plan for `dev`\n")
    post(github, plan)
    plan.write_text("### Estaleiro plan for `dev`, second push\n")
    post(github, plan)
    assert [(m, p) for m, p, _ in FakeGitHub.requests] == [
        ("GET", "/repos/acme/estaleiro/issues/42/comments?per_page=100&page=1"),
        ("POST", "/repos/acme/estaleiro/issues/42/comments"),
        ("GET", "/repos/acme/estaleiro/issues/42/comments?per_page=100&page=1"),
        ("PATCH", "/repos/acme/estaleiro/issues/comments/1000"),
    ]
    [comment] = FakeGitHub.comments
    assert comment["body"].endswith("second push\n")


def test_each_key_keeps_its_own_comment(github: str, tmp_path: Path) -> None:
    """Cloud Build reports per stack: dev's build must not overwrite prod's comment."""
    for stack in ("dev", "prod", "dev"):
        report = tmp_path / f"{stack}.md"
        report.write_text(f"plan of {stack}\n")
        post(github, report, "--key", stack)
    assert [c["body"].splitlines()[-1] for c in FakeGitHub.comments] == ["plan of dev", "plan of prod"]
    assert [m for m, _, _ in FakeGitHub.requests if m != "GET"] == ["POST", "POST", "PATCH"]


def test_the_comment_is_found_past_the_first_page(github: str, tmp_path: Path) -> None:
    report = tmp_path / "plan.md"
    report.write_text("first\n")
    FakeGitHub.comments += [{"id": n, "body": "a reviewer's remark"} for n in range(150)]
    post(github, report)
    report.write_text("second\n")
    post(github, report)
    assert [m for m, _, _ in FakeGitHub.requests if m != "GET"] == ["POST", "PATCH"]
    assert FakeGitHub.comments[-1]["body"].endswith("second\n")
