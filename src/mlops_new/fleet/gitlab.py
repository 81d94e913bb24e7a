"""Merge requests on GitLab for ``fleet update --pull-request``: its REST API, the user's token.

The token (``GITLAB_TOKEN``) goes only to the GitLab the user names
(``--gitlab-url``, else ``GITLAB_URL``, else ``CI_SERVER_URL`` inside a GitLab job,
else gitlab.com), never to a host a repository's remote names: a repository
whose ``origin`` is elsewhere gets no merge request, and a note says why.
Calls go through :mod:`mlops_new.fleet.api` (no redirects followed, rate limits
waited out). An open merge request of the branch is updated rather than
opened twice.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from mlops_new.fleet import api
from mlops_new.fleet.report import browsable

GITLAB_COM = "https://gitlab.com"


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
        headers = {"PRIVATE-TOKEN": gitlab.token}
        found = api.call("GET", f"{root}?{query}", headers).payload
        if isinstance(found, list) and found and isinstance(found[0], dict):
            answer = api.call("PUT", f"{root}/{int(found[0]['iid'])}", headers, fields).payload
        else:
            opened = {**fields, "source_branch": branch, "target_branch": base}
            answer = api.call("POST", root, headers, opened).payload
    except urllib.error.HTTPError as exc:
        return "", f"no merge request: GitLab answered {exc.code} {exc.reason} for {project}"
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
        reason = getattr(exc, "reason", exc)
        return "", f"no merge request: cannot use the GitLab at {gitlab.url} ({reason})"
    url = answer.get("web_url", "") if isinstance(answer, dict) else ""
    return str(url), ""
