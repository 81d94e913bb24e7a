"""Template version strings: parsing, normalising and ordering."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mlops_new.core.errors import UnknownVersionError

if TYPE_CHECKING:
    from packaging.version import Version

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


# -- another template's versions: PEP 440 ------------------------------------
#
# The bundled template's versions are MAJOR.MINOR.PATCH (above). Another copier
# template's tags are read as copier reads them, with PEP 440 (``packaging``):
# ``v1``, ``1.2``, ``2.0.0rc1``, ``1.2.3-alpha.1`` are versions, ordered as pip orders them.


def order(version: str) -> Version | None:
    """The PEP 440 version of ``version`` (a tag or a version: ``v2``, ``1.2.0rc1``), or
    ``None`` when it is not one."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version.strip())
    except InvalidVersion:
        return None


def tag_version(ref: str) -> Version | None:
    """The version a git ref names when it reads as a version tag, else ``None``.

    A ref names a version when it is one (:func:`order`) and has a ``.`` or a
    leading ``v`` followed by a digit: ``v1``, ``1.2``, ``2.0.0rc1``. An all-digit
    ref (``1234567``, a short commit id) is not taken for one.
    """
    text = ref.strip()
    if "." not in text and not (text[:1] in "vV" and text[1:2].isdigit()):
        return None
    return order(text)


def newest_tag(tags: list[str], *, prereleases: bool = False) -> str | None:
    """The newest version tag: the newest release, or with ``prereleases`` (or when there are
    only pre-releases) the newest of all."""
    versions = {tag: found for tag in tags if (found := tag_version(tag)) is not None}
    stable = [tag for tag, found in versions.items() if not found.is_prerelease]
    pool = list(versions) if prereleases or not stable else stable
    return max(pool, key=lambda tag: versions[tag]) if pool else None


def tag_name(ref: str) -> str:
    """The version a version tag names, as written (``v2`` -> ``2``, ``v0.1.0`` -> ``0.1.0``);
    ``""`` for a branch or a commit."""
    if is_version(ref):
        return bare(ref)
    return ref.strip().removeprefix("v").removeprefix("V") if tag_version(ref) else ""
