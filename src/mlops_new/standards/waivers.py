"""Waivers: ``[tool.mlops-new.ignore]`` in pyproject.toml, ``ID = "reason"``.

A waiver must say why: an empty reason is a user error naming the check.
"""

from __future__ import annotations

from mlops_new.core.errors import UserError
from mlops_new.project.facts import mapping
from mlops_new.project.pyproject import from_pyproject
from mlops_new.standards.inputs import Repo

WAIVER_TABLE = "[tool.mlops-new.ignore]"


class WaiverError(UserError):
    """A waiver in pyproject.toml has no reason, or is not a string."""


def load_waivers(repo: Repo) -> dict[str, str]:
    """``{check id: reason}`` from the repository's pyproject.toml (ids upper-cased)."""
    table = from_pyproject(mapping(repo.pyproject)).ignore
    if not isinstance(table, dict):
        raise WaiverError(
            f'{WAIVER_TABLE} in pyproject.toml must be a table of `ID = "reason"`.',
            'For example: CI004 = "our runners only allow the internal mirror of actions"',
        )
    waivers: dict[str, str] = {}
    for check_id, reason in table.items():
        if not isinstance(reason, str) or not reason.strip():
            raise WaiverError(
                f"The waiver of {check_id} in {WAIVER_TABLE} (pyproject.toml) gives no reason.",
                f'Say why it does not apply, e.g. {check_id} = "the model is served by the '
                "platform "
                "team's image\", or remove the waiver.",
            )
        waivers[check_id.upper()] = reason.strip()
    return waivers
