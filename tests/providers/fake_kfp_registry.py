"""An Artifact Registry KFP repository on loopback, speaking the HTTP API kfp's `RegistryClient` calls.

Paths follow kfp's default registry context (`kfp/registry/context/default_pkg_dev.json`): the
same requests the client sends to `<region>-kfp.pkg.dev` and `artifactregistry.googleapis.com`,
on one host. Each rule names the Artifact Registry reference it follows:
- upload (kfpArtifacts.upload, https://cloud.google.com/artifact-registry/docs/reference/rest/v1/projects.locations.repositories.kfpArtifacts/upload):
  multipart `content` plus optional comma-separated `tags`; creates package, version and tags;
  an upload that conflicts with existing resources overwrites them (tags move). The answer the
  client parses is `<package>/<version>`.
- versions are named `sha256:<hex digest of the content>` (PipelineTemplateMetadata.version,
  https://cloud.google.com/vertex-ai/docs/reference/rest/v1/PipelineTemplateMetadata) and never change.
- tags (packages.tags, https://cloud.google.com/artifact-registry/docs/reference/rest/v1/projects.locations.repositories.packages.tags):
  `create` with `tagId` fails ALREADY_EXISTS (409) for a tag that exists; `patch` with
  `updateMask=version` moves it; `get` of a missing tag or version is NOT_FOUND (404).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml


@dataclass
class Registry:
    versions: dict[str, dict[str, bytes]] = field(default_factory=dict)  # package -> version -> content
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # package -> tag -> version
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path), in order

    def upload(self, content: bytes, tags: list[str]) -> str:
        package = yaml.safe_load(content)["pipelineInfo"]["name"]
        version = "sha256:" + hashlib.sha256(content).hexdigest()
        self.versions.setdefault(package, {})[version] = content
        for tag in tags:
            self.tags.setdefault(package, {})[tag] = version
        return f"{package}/{version}"

    def mutations(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method != "GET"]


def _version_name(package: str, version: str) -> str:
    return f"packages/{package}/versions/{version}"


class _Handler(BaseHTTPRequestHandler):
    registry: Registry

    def log_message(self, *_: Any) -> None:
        pass

    def _answer(self, status: int, body: Any, text: bool = False) -> None:
        data = body.encode() if text else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if text else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self) -> tuple[list[str], dict[str, list[str]]]:
        url = urlparse(self.path)
        self.registry.requests.append((self.command, url.path))
        return [p for p in url.path.split("/") if p], parse_qs(url.query)

    def _body(self) -> dict[str, Any]:
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

    def _form(self) -> dict[str, bytes]:
        """A multipart/form-data body, field name -> bytes."""
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + raw)
        return {
            str(part.get_param("name", header="content-disposition")): part.get_payload(decode=True) or b""
            for part in message.iter_parts()  # type: ignore[attr-defined]
        }

    def do_POST(self) -> None:
        parts, query = self._route()
        if not parts:  # upload
            form = self._form()
            tags = [t for t in form.get("tags", b"").decode().split(",") if t]
            self._answer(200, self.registry.upload(form["content"], tags), text=True)
            return
        if parts[0] == "packages" and parts[2:] == ["tags"]:
            package, tag = parts[1], query["tagId"][0]
            if tag in self.registry.tags.get(package, {}):
                self._answer(409, {"error": {"code": 409, "status": "ALREADY_EXISTS", "message": f"tag {tag} exists"}})
                return
            self._set_tag(package, tag, self._body()["version"])
            return
        self._answer(404, {"error": {"code": 404, "status": "NOT_FOUND"}})

    def do_PATCH(self) -> None:
        parts, query = self._route()
        if parts[0] == "packages" and parts[2] == "tags" and query.get("updateMask") == ["version"]:
            self._set_tag(parts[1], parts[3], self._body()["version"])
            return
        self._answer(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT"}})

    def _set_tag(self, package: str, tag: str, version_name: str) -> None:
        version = version_name.rsplit("/", 1)[-1]
        if version not in self.registry.versions.get(package, {}):
            self._answer(404, {"error": {"code": 404, "status": "NOT_FOUND", "message": version_name}})
            return
        self.registry.tags.setdefault(package, {})[tag] = version
        self._answer(200, {"name": f"packages/{package}/tags/{tag}", "version": version_name})

    def do_GET(self) -> None:
        parts, _ = self._route()
        registry = self.registry
        if parts[:1] == ["packages"] and len(parts) == 4 and parts[2] == "versions":
            package, version = parts[1], parts[3]
            if version in registry.versions.get(package, {}):
                self._answer(200, {"name": _version_name(package, version)})
                return
        elif parts[:1] == ["packages"] and len(parts) == 4 and parts[2] == "tags":
            package, tag = parts[1], parts[3]
            if tag in registry.tags.get(package, {}):
                version = registry.tags[package][tag]
                self._answer(
                    200, {"name": f"packages/{package}/tags/{tag}", "version": _version_name(package, version)}
                )
                return
        self._answer(404, {"error": {"code": 404, "status": "NOT_FOUND"}})

    def do_DELETE(self) -> None:
        parts, _ = self._route()
        if (
            parts[:1] == ["packages"]
            and len(parts) == 4
            and parts[2] == "tags"
            and parts[3] in self.registry.tags.get(parts[1], {})
        ):
            del self.registry.tags[parts[1]][parts[3]]
            self._answer(200, {})
            return
        self._answer(404, {"error": {"code": 404, "status": "NOT_FOUND"}})


class FakeKfpRegistry:
    """`with FakeKfpRegistry() as fake:` serves on 127.0.0.1; `fake.host` is what RegistryClient takes."""

    def __init__(self) -> None:
        self.registry = Registry()
        handler = type("Handler", (_Handler,), {"registry": self.registry})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.host = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeKfpRegistry:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
