"""The retrain push job's checks and merge request, in .gitlab-ci.yml (standard library only).

The retrain job (no token) hands over files, never variables: ``retrain.bundle``,
the merge request's description ``body.md`` (``## Retrain: <decision>``, then
``dvc metrics diff``, the promote decision and the model card's diff) and
``retrain.json`` (the branch, whether the gate promoted the model). They are read
as data, checked against strict patterns, never through a symlink
(template_sync.read).

``check retrain.json`` refuses a report that is not what the retrain job writes.
``merge-request body.md retrain.json`` opens the one retrain merge request, or
updates the open one (needs RETRAIN_TOKEN).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from template_sync import BRANCH, open_or_update, read

_KEYS = {"branch", "promoted"}


def report(path: str) -> dict[str, Any]:
    """``retrain.json``, checked: RETRAIN_BRANCH and a boolean."""
    try:
        data = json.loads(read(path, 4096))
    except json.JSONDecodeError:
        sys.exit(f"{path} is not JSON: refused.")
    if not isinstance(data, dict) or set(data) != _KEYS:
        sys.exit(f"{path} must hold exactly {sorted(_KEYS)}: refused.")
    branch, promoted = data["branch"], data["promoted"]
    if not isinstance(branch, str) or not BRANCH.fullmatch(branch) or ".." in branch:
        sys.exit(f"{path}: branch {branch!r} is not a branch name: refused.")
    if branch != os.environ["RETRAIN_BRANCH"]:
        sys.exit(f"{path}: branch {branch!r} is not RETRAIN_BRANCH: refused.")
    if not isinstance(promoted, bool):
        sys.exit(f"{path}: promoted {promoted!r} is not true or false: refused.")
    return data


def merge_request(body_file: str, report_file: str) -> None:
    """Open the retrain merge request, or update the open one."""
    retrain = report(report_file)
    body = read(body_file, 1_000_000)
    first = body.splitlines()[0] if body.strip() else ""
    title = first.removeprefix("## ").strip()[:200] or "Retrain the model"
    open_or_update(retrain["branch"], title, body, os.environ["RETRAIN_TOKEN"])


def main(argv: list[str]) -> None:
    """``check retrain.json`` or ``merge-request body.md retrain.json``."""
    match argv:
        case ["check", report_file]:
            retrain = report(report_file)
            verdict = "promoted" if retrain["promoted"] else "not promoted"
            print(f"Retrained model ({verdict}) on {retrain['branch']}.")
        case ["merge-request", body_file, report_file]:
            merge_request(body_file, report_file)
        case _:
            sys.exit(f"unknown command {argv!r}: see {__file__}'s docstring")


if __name__ == "__main__":
    main(sys.argv[1:])
