"""A stand-in for GitLab's merge-request API (what .gitlab/template_sync.py calls).

The ``gitlab_api`` fixture (tests/conftest.py) serves it on a free local port and
gives its ``CI_API_V4_URL``; ``Api.calls`` records each request, and the
``PRIVATE-TOKEN`` must be ``push-token``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse


class Api(BaseHTTPRequestHandler):
    """GitLab's merge request endpoints, remembered in ``calls``."""

    calls: ClassVar[list[tuple[str, str, dict[str, list[str]]]]] = []
    open_iid: ClassVar[int | None] = None

    def _answer(self, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self) -> dict[str, list[str]]:
        length = int(self.headers.get("Content-Length") or 0)
        fields = parse_qs(self.rfile.read(length).decode())
        assert self.headers["PRIVATE-TOKEN"] == "push-token"
        Api.calls.append((self.command, urlparse(self.path).path, fields))
        return fields

    def do_GET(self) -> None:
        self._record()
        query = parse_qs(urlparse(self.path).query)
        assert query["state"] == ["opened"]
        self._answer([] if Api.open_iid is None else [{"iid": Api.open_iid}])

    def do_POST(self) -> None:
        self._record()
        Api.open_iid = 5
        self._answer({"iid": 5})

    def do_PUT(self) -> None:
        self._record()
        self._answer({"iid": Api.open_iid})

    def log_message(self, *_args: Any) -> None:
        pass


def serve() -> Iterator[str]:
    """Serve ``Api`` until the generator closes; yields its ``CI_API_V4_URL``."""
    Api.calls, Api.open_iid = [], None
    server = HTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v4"
    server.shutdown()
