"""JSON over HTTP(S) to a forge's API (GitHub, GitLab): the user's token, rate limits waited out.

Redirects are never followed (they would carry the token to wherever they
point), and a paginated listing follows its ``Link: <...>; rel="next"`` only on
the API's own host. A 429 (``Retry-After``) or GitHub's exhausted rate limit
(403 with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset``) is waited out
up to :data:`WAIT_AT_MOST` seconds per call, and so is a 403 with ``Retry-After``
(GitHub's secondary rate limit); beyond that the error goes to the caller.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from email.message import Message
from typing import Any, NamedTuple

WAIT_AT_MOST = 30.0
"""Seconds a call waits in all for a rate limit to pass."""
MAX_PAGES = 500
"""Pages a listing follows at most (50,000 entries at 100 a page)."""


class Answer(NamedTuple):
    payload: Any
    headers: Message


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # the answer stays the 3xx: an HTTPError, the token never sent on


_OPENER = urllib.request.build_opener(_NoRedirects)


def call(
    method: str,
    url: str,
    headers: Mapping[str, str],
    fields: Mapping[str, str] | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Answer:
    """One API call (JSON back); ``urllib.error.HTTPError`` for an error status that is not
    a rate limit that passes in time."""
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    waited = 0.0
    while True:
        request = urllib.request.Request(  # noqa: S310  (the user's forge URL)
            url, data=data, method=method, headers=dict(headers)
        )
        try:
            with _OPENER.open(request, timeout=30) as answer:
                return Answer(json.loads(answer.read() or b"null"), answer.headers)
        except urllib.error.HTTPError as exc:
            wait = rate_limited(exc)
            if wait is None or waited + wait > WAIT_AT_MOST:
                raise
            sleep(wait)
            waited += wait


def rate_limited(exc: urllib.error.HTTPError) -> float | None:
    """Seconds until the rate limit that refused the call passes (``None``: not a rate limit)."""
    headers = exc.headers or Message()
    limited = exc.code == 429 or (  # GitHub: 403 for a spent or a secondary rate limit
        exc.code == 403
        and (
            headers.get("x-ratelimit-remaining", "").strip() == "0"
            or headers.get("Retry-After") is not None
        )
    )
    if not limited:
        return None
    if (after := headers.get("Retry-After")) is not None:
        try:
            return max(0.0, float(after))
        except ValueError:
            return None
    reset = headers.get("x-ratelimit-reset")
    if reset is not None and reset.strip().isdigit():
        return max(0.0, int(reset) - time.time())
    return 1.0


def pages(url: str, headers: Mapping[str, str]) -> Iterator[Any]:
    """Every page of a listing, following ``rel="next"`` on the API's own host only."""
    home = urllib.parse.urlsplit(url)[:2]
    for _ in range(MAX_PAGES):
        answer = call("GET", url, headers)
        yield answer.payload
        following = next_link(answer.headers.get("Link", ""))
        if following is None:
            return
        if urllib.parse.urlsplit(following)[:2] != home:
            raise urllib.error.URLError(f"the next page is on another host ({following})")
        url = following
    raise urllib.error.URLError(f"more than {MAX_PAGES} pages")


_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def next_link(header: str) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header."""
    match = _LINK.search(header)
    return match[1] if match else None
