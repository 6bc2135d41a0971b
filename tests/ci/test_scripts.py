from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "ci"))

from wait_for_upstream import verdict  # noqa: E402


class FakeGitHub(BaseHTTPRequestHandler):
    comments: ClassVar[list[dict[str, object]]] = []
    requests: ClassVar[list[tuple[str, str, object]]] = []

    def _reply(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.requests.append(("GET", self.path, None))
        self._reply(self.comments)

    def _write(self, method: str) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((method, self.path, body))
        if method == "POST":
            self.comments.append({"id": 7, "body": body["body"]})
        self._reply({"id": 7})

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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def post(api: str, files: list[Path]) -> None:
    env = {"GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": api, "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, str(REPO / "scripts/ci/post_pr_comment.py"), "acme/estaleiro", "42", *map(str, files)],
        env=env,
        check=True,
    )


def test_pr_comment_is_posted_once_then_edited(github: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("### Estaleiro plan for `dev`\n")
    post(github, [plan])
    plan.write_text("### Estaleiro plan for `dev`, second push\n")
    post(github, [plan])
    methods = [(m, p) for m, p, _ in FakeGitHub.requests]
    assert methods == [
        ("GET", "/repos/acme/estaleiro/issues/42/comments?per_page=100"),
        ("POST", "/repos/acme/estaleiro/issues/42/comments"),
        ("GET", "/repos/acme/estaleiro/issues/42/comments?per_page=100"),
        ("PATCH", "/repos/acme/estaleiro/issues/comments/7"),
    ]
    assert "second push" in FakeGitHub.requests[-1][2]["body"]


HISTORY = [
    {"kind": "update", "result": "failed", "environment": {"git.head": "bbb"}},
    {"kind": "update", "result": "succeeded", "environment": {"git.head": "aaa"}},
    {"kind": "refresh", "result": "succeeded", "environment": {"git.head": "ccc"}},
]


@pytest.mark.parametrize(
    ("commit", "expected"), [("aaa", "succeeded"), ("bbb", "failed"), ("ccc", None), ("ddd", None)]
)
def test_upstream_verdict_reads_pulumi_history(commit: str, expected: str | None) -> None:
    assert verdict(HISTORY, commit) == expected
