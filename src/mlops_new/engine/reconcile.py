"""Bot-aware merges: conflicts where both sides only bumped the same version pin.

A template release that bumps ``actions/checkout`` to one SHA, in a project whose
Dependabot already bumped the same line to another, conflicts on every such line.
Neither side is a human edit to keep: the higher version is the answer.  Here a
conflict block is resolved when each of its lines, on both sides, is the same known
pin shape and differs only in the version (and the SHA or digest that goes with it):

- a GitHub Actions step ``uses: owner/action@<sha> # vX`` (or ``@vX``);
- an image reference in ``FROM``, ``COPY --from=`` or a compose ``image:``
  (``name:X.Y-suffix@sha256:...``; the suffix must be the same on both sides);
- a pre-commit ``rev:`` (a tag, or a commit with its ``# frozen: vX`` comment);
- a ``UV_VERSION`` setting;
- a ``>=`` floor in ``pyproject.toml`` (``"name>=X"``, the rest of the string equal).

Versions are compared with :mod:`packaging.version`; a block where either side is
not such a line, a version does not parse, or equal versions carry different SHAs,
stays a conflict for a person.  Blocks are resolved one by one: a file keeps its
other conflicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

_VERSION = r"v?\d[\w.+-]*"


@dataclass(frozen=True)
class Shape:
    """A pinned line: ``var`` is the part that may differ, ``version`` what is compared."""

    name: str
    pattern: re.Pattern[str]
    files: str = ""
    """Only in files whose name ends so ("" = any file)."""


_SHAPES = (
    Shape(
        "action",
        re.compile(
            rf"uses:\s*[\"']?(?P<key>[\w.-]+/[\w./-]+)@(?P<var>[0-9a-f]{{40}}[\"']?\s*#\s*"
            rf"(?P<version>{_VERSION}))\s*$"
        ),
    ),
    Shape(
        "action",
        re.compile(
            rf"uses:\s*[\"']?(?P<key>[\w.-]+/[\w./-]+)@(?![0-9a-f]{{40}})"
            rf"(?P<var>(?P<version>{_VERSION}))"
        ),
    ),
    Shape(
        "image",
        re.compile(
            r"(?:^\s*FROM\s+(?:--platform=\S+\s+)?|--from=|^\s*-?\s*image:\s*[\"']?)"
            r"(?P<key>[\w./-]+):(?P<var>(?P<version>\d+(?:\.\d+)*)(?P<suffix>[\w.-]*?)"
            r"(?:@sha256:[0-9a-f]{64})?)(?=[\s\"']|$)"
        ),
    ),
    Shape(
        "rev",
        re.compile(
            rf"^\s*rev:\s*(?P<var>[\"']?[0-9a-f]{{40}}[\"']?\s*#\s*(?:frozen:\s*)?"
            rf"(?P<version>{_VERSION}))\s*$"
        ),
    ),
    Shape("rev", re.compile(rf"^\s*rev:\s*[\"']?(?P<var>(?P<version>{_VERSION}))[\"']?")),
    Shape("uv", re.compile(r"(?P<key>UV_VERSION)\s*[=:]\s*[\"']?(?P<var>(?P<version>\d[\w.]*))")),
    Shape(
        "floor",
        re.compile(
            r"^\s*[\"'](?P<key>[A-Za-z0-9][\w.-]*(?:\[[\w,. -]+\])?)\s*>=\s*"
            r"(?P<var>(?P<version>\d[\w.]*))"
        ),
        files="pyproject.toml",
    ),
)


@dataclass(frozen=True)
class Reconciled:
    """One pin both sides bumped: the version kept (the higher) and the one dropped."""

    pin: str
    kept: str
    dropped: str
    side: str
    """Whose line was kept: "project" or "template"."""


@dataclass(frozen=True)
class Outcome:
    """A conflicted file after reconciling: its text, what was resolved, what is left."""

    text: bytes
    reconciled: tuple[Reconciled, ...]
    conflicts_left: int


def _pin(line: str, path: str) -> tuple[Shape, re.Match[str]] | None:
    for shape in _SHAPES:
        if shape.files and not path.endswith(shape.files):
            continue
        if match := shape.pattern.search(line):
            return shape, match
    return None


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def pair(ours: str, theirs: str, path: str, context: str = "") -> Reconciled | None:
    """The higher of two versions of one pinned line, or ``None`` when it is not that."""
    found_ours, found_theirs = _pin(ours, path), _pin(theirs, path)
    if found_ours is None or found_theirs is None or found_ours[0] != found_theirs[0]:
        return None
    mine, other = found_ours[1], found_theirs[1]
    same_frame = (
        ours[: mine.start("var")] == theirs[: other.start("var")]
        and ours[mine.end("var") :] == theirs[other.end("var") :]
    )
    groups = found_ours[0].pattern.groupindex
    if not same_frame or ("suffix" in groups and mine["suffix"] != other["suffix"]):
        return None
    low, high = _version(mine["version"]), _version(other["version"])
    if low is None or high is None or low == high:
        return None
    name = mine["key"] if "key" in groups else context or found_ours[0].name
    if low > high:
        return Reconciled(name, mine["version"], other["version"], "project")
    return Reconciled(name, other["version"], mine["version"], "template")


_REPO = re.compile(r"^\s*-\s*repo:\s*(\S+)")


def _context(*chunks: list[str]) -> str:
    """For a pre-commit ``rev:``, the hook repository named above it."""
    for line in reversed([line for chunk in chunks for line in chunk]):
        if match := _REPO.match(line):
            return match.group(1)
    return ""


def _block(lines: list[str], start: int) -> tuple[int, int, int, int] | None:
    """Indices of a conflict block's base marker (or -1), separator and end, and its size."""
    size = len(lines[start]) - len(lines[start].lstrip("<"))
    base = separator = -1
    for index in range(start + 1, len(lines)):
        line = lines[index].rstrip("\r\n")
        if line.startswith("|" * size) and not line.startswith("|" * (size + 1)):
            base = index if separator < 0 and base < 0 else base
        elif line == "=" * size and separator < 0:
            separator = index
        elif line.startswith(">" * size) and not line.startswith(">" * (size + 1)):
            return (base, separator, index, size) if separator > 0 else None
        elif line.startswith("<" * size) and not line.startswith("<" * (size + 1)):
            return None
    return None


def _is_start(line: str) -> bool:
    stripped = line.rstrip("\r\n")
    marker = stripped[: len(stripped) - len(stripped.lstrip("<"))]
    return len(marker) >= 7 and stripped[len(marker) : len(marker) + 1] in ("", " ")


def resolve(text: bytes, path: str) -> Outcome | None:
    """``text`` (a file with conflict markers) with its pin-only blocks resolved.

    ``None`` when nothing was resolved (or the file is not UTF-8 text).
    """
    try:
        lines = text.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None
    out: list[str] = []
    found: list[Reconciled] = []
    left = index = 0
    while index < len(lines):
        block = _block(lines, index) if _is_start(lines[index]) else None
        if block is None:
            out.append(lines[index])
            index += 1
            continue
        base, separator, end, _ = block
        ours = lines[index + 1 : base if base > 0 else separator]
        theirs = lines[separator + 1 : end]
        chosen = _choose(ours, theirs, path, out)
        if chosen is None:
            out += lines[index : end + 1]
            left += 1
        else:
            kept, notes = chosen
            out += kept
            found += notes
        index = end + 1
    if not found:
        return None
    return Outcome("".join(out).encode("utf-8"), tuple(found), left)


def _choose(
    ours: list[str], theirs: list[str], path: str, before: list[str]
) -> tuple[list[str], list[Reconciled]] | None:
    """Line by line, the higher pin of each pair; ``None`` unless every pair is one."""
    if len(ours) != len(theirs) or not ours:
        return None
    kept: list[str] = []
    notes: list[Reconciled] = []
    for position, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        if mine == other:
            kept.append(mine)
            continue
        note = pair(
            mine.rstrip("\r\n"), other.rstrip("\r\n"), path, _context(before, ours[:position])
        )
        if note is None:
            return None
        kept.append(mine if note.side == "project" else other)
        notes.append(note)
    return kept, notes
