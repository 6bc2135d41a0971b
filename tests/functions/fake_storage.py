"""Cloud Storage's JSON API `objects.get`, as far as a reader of one object version needs it, on 127.0.0.1.

The `gcp-storage-emulator` package is not installed here, so this follows Google's reference instead,
https://cloud.google.com/storage/docs/json_api/v1/objects/get:
- `GET /storage/v1/b/{bucket}/o/{object}`, the object name percent-encoded in the path;
- `alt=media` answers the object's data, otherwise its metadata (a JSON `storage#object`);
- `generation`: "If present, selects a specific revision of this object (as opposed to the latest
  version, the default)";
- an object or generation that does not exist: 404 Not Found.
Media downloads are also served under `/download/storage/v1/...`, the path the client library
downloads from (google-cloud-storage blob.py `_DOWNLOAD_URL_TEMPLATE`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

PATH_PREFIXES = ("/download/storage/v1/b/", "/storage/v1/b/")


class FakeStorage:
    """Objects by (bucket, name): each version's data, the newest last; generations count from 1."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], list[bytes]] = {}
        self.requests: list[str] = []

    def put(self, bucket: str, name: str, data: bytes) -> int:
        """Writes a new version, as an upload to a versioned bucket does; returns its generation."""
        versions = self.objects.setdefault((bucket, name), [])
        versions.append(data)
        return len(versions)

    def get(self, bucket: str, name: str, generation: int | None) -> bytes | None:
        versions = self.objects.get((bucket, name), [])
        if generation is None:
            return versions[-1] if versions else None
        return versions[generation - 1] if 1 <= generation <= len(versions) else None


@contextmanager
def serving(store: FakeStorage) -> Iterator[str]:
    """The store on an HTTP server on 127.0.0.1; yields its endpoint (http://127.0.0.1:<port>)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            store.requests.append(self.path)
            url = urlparse(self.path)
            prefix = next((p for p in PATH_PREFIXES if url.path.startswith(p)), None)
            bucket, _, name = url.path.removeprefix(prefix or "").partition("/o/")
            query = parse_qs(url.query)
            generation = int(query["generation"][0]) if "generation" in query else None
            data = store.get(bucket, unquote(name), generation) if prefix and name else None
            if data is None:
                self._answer(404, b'{"error": {"code": 404, "message": "No such object"}}', "application/json")
            elif query.get("alt") == ["media"]:
                self._answer(200, data, "application/octet-stream")
            else:
                metadata = {"kind": "storage#object", "bucket": bucket, "name": unquote(name), "size": str(len(data))}
                self._answer(200, json.dumps(metadata).encode(), "application/json")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
