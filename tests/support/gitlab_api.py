"""A stand-in for GitLab's merge-request API (what .gitlab/template_sync.py calls).

The ``gitlab_api`` fixture (tests/conftest.py) serves it on a free local port and
gives its ``CI_API_V4_URL``; ``Api.calls`` records each request (with the
``PRIVATE-TOKEN`` it carried in ``Api.tokens``), which must be ``push-token``.
``Api.queued`` answers the next requests with an error status and headers
(a rate limit, a refusal, a redirect) before the API answers again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlparse


class Api(BaseHTTPRequestHandler):
    """GitLab's merge request endpoints, remembered in ``calls``."""

    calls: ClassVar[list[tuple[str, str, dict[str, list[str]]]]] = []
    tokens: ClassVar[list[str]] = []
    open_iid: ClassVar[int | None] = None
    queued: ClassVar[list[tuple[int, dict[str, str]]]] = []

    def _answer(self, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self) -> bool:
        """Record the request; ``False`` when a queued error answered it."""
        length = int(self.headers.get("Content-Length") or 0)
        fields = parse_qs(self.rfile.read(length).decode())
        Api.tokens.append(self.headers.get("PRIVATE-TOKEN", ""))
        Api.calls.append((self.command, urlparse(self.path).path, fields))
        assert self.headers["PRIVATE-TOKEN"] == "push-token"
        if not Api.queued:
            return True
        status, headers = Api.queued.pop(0)
        self.send_response(status)
        for name, value in {"Content-Length": "0", **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        return False

    def _web_url(self) -> str:
        project = unquote(urlparse(self.path).path.split("/")[4])
        return f"http://gitlab.test/{project}/-/merge_requests/5"

    def do_GET(self) -> None:
        if not self._record():
            return
        query = parse_qs(urlparse(self.path).query)
        assert query["state"] == ["opened"]
        self._answer([] if Api.open_iid is None else [{"iid": Api.open_iid}])

    def do_POST(self) -> None:
        if not self._record():
            return
        Api.open_iid = 5
        self._answer({"iid": 5, "web_url": self._web_url()})

    def do_PUT(self) -> None:
        if self._record():
            self._answer({"iid": Api.open_iid, "web_url": self._web_url()})

    def log_message(self, *_args: Any) -> None:
        pass


def serve() -> Iterator[str]:
    """Serve ``Api`` until the generator closes; yields its ``CI_API_V4_URL``."""
    Api.calls, Api.tokens, Api.open_iid, Api.queued = [], [], None, []
    server = HTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v4"
    server.shutdown()
