"""What a repository says about itself, read the same way by ``link`` and ``check``.

``link`` infers a project's answers from these facts; ``check``'s inputs use the
same readers, so the two never disagree on, say, whether a project depends on
MLflow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NAME = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*")


def dependency_names(pyproject: Mapping[str, Any], *requirements: str) -> frozenset[str]:
    """Normalised names of every dependency: pyproject.toml's (all groups and extras,
    PEP 735 groups, uv's dev dependencies, Poetry's tables) and requirements files' lines."""
    project = mapping(pyproject.get("project"))
    tool = mapping(pyproject.get("tool"))
    specs = strings(project.get("dependencies"))
    for group in (*mapping(project.get("optional-dependencies")).values(),
                  *mapping(pyproject.get("dependency-groups")).values(),
                  mapping(tool.get("uv")).get("dev-dependencies")):  # fmt: skip
        specs += strings(group)
    poetry = mapping(tool.get("poetry"))
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [mapping(g).get("dependencies") for g in mapping(poetry.get("group")).values()]
    specs += [str(name) for table in tables for name in mapping(table)]
    for text in requirements:
        specs += [line for line in text.splitlines() if not line.lstrip().startswith(("#", "-"))]
    return frozenset(
        match[0].lower().replace("_", "-") for spec in specs if (match := _NAME.match(spec))
    )


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else ``{}`` (parsed files are someone else's shapes)."""
    return value if isinstance(value, dict) else {}


def strings(value: Any) -> list[str]:
    """``value`` as a list of strings: one string, or a list's scalar items."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int, float))]
    return []
