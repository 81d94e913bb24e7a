"""The template-sync push job's checks and merge request, in .gitlab-ci.yml (standard library only).

The update job (no token) hands over files, never variables: ``sync.bundle``, the
report ``body.md`` and ``sync.json`` (the branch, whether there are conflicts, the
template version). A dotenv report could set ``GIT_CONFIG_*`` or ``LD_PRELOAD`` in
the job that holds TEMPLATE_SYNC_TOKEN; these files are read as data, checked
against strict patterns, never through a symlink.

``check sync.json`` refuses a report that is not what the update job writes.
``merge-request body.md sync.json`` opens or updates the merge request (needs
TEMPLATE_SYNC_TOKEN): ``body.md`` is ``mlops-new update --format markdown``'s report,
its first line, ``## <title>``, gives the title. ``conflicts sync.json`` fails when
the update has conflicts.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import urllib.parse
import urllib.request
from typing import Any

BRANCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")
_VERSION = re.compile(r"[0-9]{1,9}(\.[0-9]{1,9}){1,3}([.+-][0-9A-Za-z]{1,40}){0,4}")
_KEYS = {"branch", "conflicts", "version"}


def read(path: str, limit: int) -> str:
    """A regular file's text (UTF-8, at most ``limit`` bytes), never a symlink's target."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        sys.exit(f"{path}: {error.strerror} (the update job writes it as a regular file)")
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            sys.exit(f"{path} is not a regular file: refused.")
        data = file.read(limit + 1)
    if len(data) > limit:
        sys.exit(f"{path} is larger than {limit} bytes: refused.")
    return data.decode("utf-8", errors="replace")


def report(path: str) -> dict[str, Any]:
    """``sync.json``, checked: the configured branch, a boolean, a version number."""
    try:
        data = json.loads(read(path, 4096))
    except json.JSONDecodeError:
        sys.exit(f"{path} is not JSON: refused.")
    if not isinstance(data, dict) or set(data) != _KEYS:
        sys.exit(f"{path} must hold exactly {sorted(_KEYS)}: refused.")
    branch, conflicts, version = data["branch"], data["conflicts"], data["version"]
    if not isinstance(branch, str) or not BRANCH.fullmatch(branch) or ".." in branch:
        sys.exit(f"{path}: branch {branch!r} is not a branch name: refused.")
    if branch != os.environ["SYNC_BRANCH"]:
        sys.exit(f"{path}: branch {branch!r} is not SYNC_BRANCH: refused.")
    if not isinstance(conflicts, bool):
        sys.exit(f"{path}: conflicts {conflicts!r} is not true or false: refused.")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        sys.exit(f"{path}: version {version!r} is not a version number: refused.")
    return data


def _api(method: str, path: str, token: str, data: dict[str, str] | None = None) -> Any:
    url = f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}{path}"
    body = urllib.parse.urlencode(data).encode() if data else None
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310
    request.add_header("PRIVATE-TOKEN", token)
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.load(response)


def open_or_update(branch: str, title: str, body: str, token: str) -> None:
    """Open the merge request from ``branch``, or update the open one (never a merged one).

    Shared with .gitlab/retrain.py; ``token`` is the pushing job's.
    """
    query = urllib.parse.urlencode({"source_branch": branch, "state": "opened"})
    found = _api("GET", f"/merge_requests?{query}", token)
    fields = {"title": title, "description": body}
    if found:
        _api("PUT", f"/merge_requests/{found[0]['iid']}", token, fields)
    else:
        fields |= {"source_branch": branch, "target_branch": os.environ["CI_DEFAULT_BRANCH"]}
        _api("POST", "/merge_requests", token, fields)


def merge_request(body_file: str, report_file: str) -> None:
    """Open the sync merge request, or update the open one."""
    sync = report(report_file)
    body = read(body_file, 1_000_000)
    title = body.splitlines()[0].removeprefix("## ").strip() if body.strip() else ""
    title = title[:200] or f"Update the project template to v{sync['version']}"
    if sync["conflicts"]:
        title += " (conflicts to resolve)"
    open_or_update(sync["branch"], title, body, os.environ["TEMPLATE_SYNC_TOKEN"])


def main(argv: list[str]) -> None:
    """``check sync.json``, ``merge-request body.md sync.json`` or ``conflicts sync.json``."""
    match argv:
        case ["check", report_file]:
            sync = report(report_file)
            print(f"Template v{sync['version']} on {sync['branch']}.")
        case ["merge-request", body_file, report_file]:
            merge_request(body_file, report_file)
        case ["conflicts", report_file]:
            if report(report_file)["conflicts"]:
                sys.exit("Conflicts to resolve on the merge request.")
        case _:
            sys.exit(f"unknown command {argv!r}: see {__file__}'s docstring")


if __name__ == "__main__":
    main(sys.argv[1:])
