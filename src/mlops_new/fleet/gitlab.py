"""Merge requests on GitLab for ``fleet update --pull-request``: its REST API, the user's token.

The token (``GITLAB_TOKEN``) goes only to the GitLab the user names
(``--gitlab-url``, else ``GITLAB_URL``, else ``CI_SERVER_URL`` inside a GitLab job,
else gitlab.com), never to a host a repository's remote names: a repository
whose ``origin`` is elsewhere gets no merge request, and a note says why.
Redirects are not followed (they would carry the token on). An open merge
request of the branch is updated rather than opened twice; a 429 answer is
waited out (``Retry-After``, 30 seconds in all at most).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlops_new.fleet.report import browsable

GITLAB_COM = "https://gitlab.com"
WAIT_AT_MOST = 30.0
"""Seconds of ``Retry-After`` waited in all, per merge request."""


@dataclass(frozen=True)
class GitLab:
    """The GitLab instance merge requests go to, and the token that may open them."""

    url: str
    """``https://host[/prefix]`` with no trailing ``/``."""
    token: str

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.url).hostname or ""

    @property
    def api(self) -> str:
        return f"{self.url}/api/v4"


def configured(url: str | None, env: Mapping[str, str]) -> GitLab:
    """The GitLab of ``url`` (``--gitlab-url``), else of the environment, else gitlab.com."""
    chosen = url or env.get("GITLAB_URL") or env.get("CI_SERVER_URL") or GITLAB_COM
    return GitLab(chosen.rstrip("/"), env.get("GITLAB_TOKEN", ""))


def project_path(origin: str, gitlab: GitLab) -> str | None:
    """``group/sub/project`` of the remote URL ``origin`` when it is on ``gitlab``'s host."""
    shown = browsable(origin)
    if not shown:
        return None
    parts = urllib.parse.urlsplit(shown)
    if parts.hostname != gitlab.host:
        return None
    prefix = urllib.parse.urlsplit(gitlab.url).path.rstrip("/")
    path = parts.path.removeprefix(prefix).strip("/") if prefix else parts.path.strip("/")
    return path or None


def open_merge_request(
    gitlab: GitLab, project: str, branch: str, base: str, title: str, body: str
) -> tuple[str, str]:
    """Open (or update) the merge request of ``branch`` into ``base``: ``(url, "")``, or
    ``("", why not)``."""
    if not gitlab.token:
        return "", "no merge request: GITLAB_TOKEN is not set"
    root = f"{gitlab.api}/projects/{urllib.parse.quote(project, safe='')}/merge_requests"
    fields = {"title": title, "description": body}
    try:
        query = urllib.parse.urlencode({"source_branch": branch, "state": "opened"})
        found = _call(gitlab, "GET", f"{root}?{query}")
        if isinstance(found, list) and found and isinstance(found[0], dict):
            answer = _call(gitlab, "PUT", f"{root}/{int(found[0]['iid'])}", fields)
        else:
            opened = {**fields, "source_branch": branch, "target_branch": base}
            answer = _call(gitlab, "POST", root, opened)
    except urllib.error.HTTPError as exc:
        return "", f"no merge request: GitLab answered {exc.code} {exc.reason} for {project}"
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
        reason = getattr(exc, "reason", exc)
        return "", f"no merge request: cannot use the GitLab at {gitlab.url} ({reason})"
    url = answer.get("web_url", "") if isinstance(answer, dict) else ""
    return str(url), ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # the answer stays the 3xx: an HTTPError, the token never sent on


_OPENER = urllib.request.build_opener(_NoRedirects)


def _call(gitlab: GitLab, method: str, url: str, fields: Mapping[str, str] | None = None) -> Any:
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    waited = 0.0
    while True:
        request = urllib.request.Request(  # noqa: S310  (the user's GitLab URL)
            url, data=data, method=method, headers={"PRIVATE-TOKEN": gitlab.token}
        )
        try:
            with _OPENER.open(request, timeout=30) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            wait = _retry_after(exc)
            if exc.code != 429 or wait is None or waited + wait > WAIT_AT_MOST:
                raise
            time.sleep(wait)
            waited += wait


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    value = exc.headers.get("Retry-After", "1") if exc.headers else "1"
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
