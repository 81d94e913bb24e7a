"""``[tool.mlops-new]`` in a project's pyproject.toml: the one reader of that table.

``exclude`` lists paths the project owns (``update`` never touches them), as
globs with ``.gitignore``'s meaning; ``ignore`` maps check ids to the reason a
project waives them (``check`` validates the reasons).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_new.core import bounded
from mlops_new.core.bounded import InputError

TABLE = "[tool.mlops-new]"


@dataclass(frozen=True)
class ProjectSettings:
    """What a project says about itself to mlops-new."""

    exclude: tuple[str, ...] = ()
    ignore: Mapping[str, Any] | Any = field(default_factory=dict)
    """The raw ``ignore`` value: a table of ``ID = "reason"`` when well formed."""

    def excludes(self, path: str) -> bool:
        """Whether the project-relative ``path`` is one the project owns."""
        return any(regex.fullmatch(path) for regex in _compiled(self.exclude))


def from_pyproject(data: Mapping[str, Any]) -> ProjectSettings:
    """The settings in a parsed pyproject.toml (ill-typed keys read as absent)."""
    tool = data.get("tool")
    table = tool.get("mlops-new") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return ProjectSettings()
    found = table.get("exclude", [])
    exclude = (
        tuple(str(item) for item in found if isinstance(item, str))
        if isinstance(found, list)
        else ()
    )
    return ProjectSettings(exclude=exclude, ignore=table.get("ignore", {}))


def load(project: Path) -> ProjectSettings:
    """The settings of the project at ``project``; a missing or unreadable file has none."""
    path = project / "pyproject.toml"
    if not path.is_file():
        return ProjectSettings()
    try:
        return from_pyproject(bounded.read_toml(path))
    except InputError:
        return ProjectSettings()


def _compiled(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [re.compile(glob_regex(pattern)) for pattern in patterns if pattern.strip()]


def glob_regex(pattern: str) -> str:
    """A ``.gitignore`` glob as a regex over project-relative paths.

    ``*`` and ``?`` stay within a name, ``**`` crosses folders; a pattern with no
    slash but a trailing one matches at any depth (``*.md`` is every Markdown
    file), one with a slash is anchored at the project; a folder matches
    everything under it.
    """
    pattern = pattern.strip()
    anchored = "/" in pattern.rstrip("/")
    body = _translate(pattern.lstrip("/").rstrip("/"))
    return ("" if anchored else "(?:.*/)?") + body + "(?:/.*)?"


def _translate(pattern: str) -> str:
    out, index = "", 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out, index = out + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            out, index = out + ".*", index + 2
        elif pattern[index] == "*":
            out, index = out + "[^/]*", index + 1
        elif pattern[index] == "?":
            out, index = out + "[^/]", index + 1
        else:
            out, index = out + re.escape(pattern[index]), index + 1
    return out
