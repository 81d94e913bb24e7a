"""Template version strings: parsing, normalising and ordering (no dependencies)."""

from __future__ import annotations

import re

from mlops_new.core.errors import UnknownVersionError

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


def parse(version: str) -> tuple[int, int, int]:
    """``"v1.2.3"`` or ``"1.2.3"`` -> ``(1, 2, 3)``; anything else raises."""
    match = _SEMVER.match(version.strip())
    if match is None:
        raise UnknownVersionError(
            f"'{version}' is not a template version: use MAJOR.MINOR.PATCH, e.g. 0.1.0.",
            "Run `mlops-new --version` to see the bundled template versions.",
        )
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def is_version(text: str) -> bool:
    """Whether ``text`` is a MAJOR.MINOR.PATCH version (with or without ``v``)."""
    return _SEMVER.match(text.strip()) is not None


def bare(version: str) -> str:
    """``"v0.1.0"`` -> ``"0.1.0"`` (validated)."""
    return ".".join(str(part) for part in parse(version))


def tag(version: str) -> str:
    """``"0.1.0"`` -> ``"v0.1.0"``, the git tag of a bundled template version."""
    return f"v{bare(version)}"
