"""The template-sync push job's merge request, in .gitlab-ci.yml (standard library only).

``merge-request body.md`` opens or updates it (needs TEMPLATE_SYNC_TOKEN). The
description is ``mlops-new update --format markdown``'s report, as the update
job wrote it: its first line, ``## <title>``, gives the title.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


def _api(method: str, path: str, data: dict[str, str] | None = None) -> Any:
    url = f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}{path}"
    body = urllib.parse.urlencode(data).encode() if data else None
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310
    request.add_header("PRIVATE-TOKEN", os.environ["TEMPLATE_SYNC_TOKEN"])
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.load(response)


def merge_request(body_file: str) -> None:
    """Open the sync merge request, or update the open one (never a merged one)."""
    branch = os.environ["SYNC_BRANCH"]
    body = Path(body_file).read_text(encoding="utf-8")
    title = body.splitlines()[0].removeprefix("## ").strip() if body.strip() else ""
    title = title or "Update the project template"
    if os.environ.get("SYNC_CONFLICTS") == "1":
        title += " (conflicts to resolve)"
    query = urllib.parse.urlencode({"source_branch": branch, "state": "opened"})
    found = _api("GET", f"/merge_requests?{query}")
    fields = {"title": title, "description": body}
    if found:
        _api("PUT", f"/merge_requests/{found[0]['iid']}", fields)
    else:
        fields |= {"source_branch": branch, "target_branch": os.environ["CI_DEFAULT_BRANCH"]}
        _api("POST", "/merge_requests", fields)


if __name__ == "__main__":
    command, argument = sys.argv[1], sys.argv[2]
    if command != "merge-request":
        sys.exit(f"unknown command {command!r}: use `merge-request body.md`")
    merge_request(argument)
