"""Stand-ins for GitHub's and GitLab's repository listings (`fleet report --github-org`).

``serve()`` yields the base URL of one server on 127.0.0.1 answering both
``GET /orgs/ORG/repos`` (GitHub) and ``GET /api/v4/groups/GROUP/projects``
(GitLab) from ``Listing.repos[owner]``, ``page_size`` entries a page with
``Link: <...>; rel="next"`` (to ``next_host`` when a test sets it).
``Listing.queued`` answers the next requests with an error status and headers
first; ``Listing.calls`` records each request's path and its token header.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlencode, urlparse


class Listing(BaseHTTPRequestHandler):
    repos: ClassVar[dict[str, list[dict[str, Any]]]] = {}
    page_size: ClassVar[int] = 2
    queued: ClassVar[list[tuple[int, dict[str, str]]]] = []
    calls: ClassVar[list[tuple[str, str]]] = []
    """(path, token: the Authorization or PRIVATE-TOKEN header)."""
    next_host: ClassVar[str] = ""

    def do_GET(self) -> None:
        url = urlparse(self.path)
        token = self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN") or ""
        Listing.calls.append((url.path, token))
        if Listing.queued:
            status, headers = Listing.queued.pop(0)
            self._send(status, b"{}", headers)
            return
        parts = url.path.strip("/").split("/")
        if parts[:1] == ["orgs"] and parts[2:] == ["repos"]:
            owner = unquote(parts[1])
        elif parts[:3] == ["api", "v4", "groups"] and parts[4:] == ["projects"]:
            owner = unquote(parts[3])
        else:
            self._send(404, b'{"message": "Not Found"}', {})
            return
        if owner not in Listing.repos:
            self._send(404, b'{"message": "Not Found"}', {})
            return
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        page = int(query.get("page", "1"))
        items = Listing.repos[owner]
        chunk = items[(page - 1) * Listing.page_size : page * Listing.page_size]
        headers = {}
        if page * Listing.page_size < len(items):
            host = Listing.next_host or f"http://{self.headers['Host']}"
            following = urlencode({**query, "page": str(page + 1)})
            headers["Link"] = f'<{host}{url.path}?{following}>; rel="next"'
        self._send(200, json.dumps(chunk).encode(), headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


def serve() -> Iterator[str]:
    """Serve ``Listing`` until the generator closes; yields its base URL."""
    Listing.repos, Listing.queued, Listing.calls, Listing.next_host = {}, [], [], ""
    Listing.page_size = 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), Listing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
