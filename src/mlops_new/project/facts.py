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
    project = _mapping(pyproject.get("project"))
    tool = _mapping(pyproject.get("tool"))
    specs = _strings(project.get("dependencies"))
    for group in (*_mapping(project.get("optional-dependencies")).values(),
                  *_mapping(pyproject.get("dependency-groups")).values(),
                  _mapping(tool.get("uv")).get("dev-dependencies")):  # fmt: skip
        specs += _strings(group)
    poetry = _mapping(tool.get("poetry"))
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [_mapping(g).get("dependencies") for g in _mapping(poetry.get("group")).values()]
    specs += [str(name) for table in tables for name in _mapping(table)]
    for text in requirements:
        specs += [line for line in text.splitlines() if not line.lstrip().startswith(("#", "-"))]
    return frozenset(
        match[0].lower().replace("_", "-") for spec in specs if (match := _NAME.match(spec))
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int, float))]
    return []
