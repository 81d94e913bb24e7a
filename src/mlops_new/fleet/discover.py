"""Finding the repositories of a fleet: folders with an answers file, or git repositories.

Shared by ``fleet report`` and ``fleet update``; it reads folders and nothing else
(no git, no repository's config), never follows symlinks and skips hidden folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from mlops_new.core.bounded import read_text
from mlops_new.core.errors import UserError
from mlops_new.inputs.answers import ANSWERS_FILE

_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".dvc", ".tox", ".nox"}
MAX_DEPTH = 8
"""Deepest folder under a root searched for repositories."""


def discover(
    roots: Iterable[Path], list_file: Path | None = None, *, unlinked: bool = False
) -> list[Path]:
    """Projects under ``roots`` (or listed in ``list_file``), in order.

    A project is a folder holding an answers file; with ``unlinked``, a git
    repository without one (and without linked projects inside) counts too, so
    that reports can list it as "not linked". Symlinks are never followed and
    hidden folders (``.git``, half-made ``.NAME.mlops-new-*`` staging folders)
    never searched. A missing root, or roots with no repository, is an error:
    a scheduled report must not stay green on a mistyped path.
    """
    if list_file is not None:
        return _listed(list_file)
    found: list[Path] = []
    names = []
    for root in roots:
        folder = root.expanduser()
        names.append(str(root))
        if not folder.is_dir():
            raise UserError(
                f"'{root}' is not a folder.",
                "Give the folder that holds the repositories, or --list FILE.",
            )
        found.extend(_walk(folder.resolve(), unlinked))
    if not found:
        raise UserError(
            f"No repositories under {', '.join(repr(n) for n in names)}.",
            "Give the folder that holds the repositories (git repositories or folders with "
            f"{ANSWERS_FILE}).",
        )
    return sorted(dict.fromkeys(found))


def _listed(list_file: Path) -> list[Path]:
    try:
        lines = read_text(list_file).splitlines()
    except UserError as exc:
        raise UserError(
            f"Cannot read the list of repositories: {exc.message}",
            "Give a text file with one repository path per line.",
        ) from exc
    base = list_file.parent
    paths = [(base / line.strip()).resolve() for line in lines if line.strip()]
    if not paths:
        raise UserError(f"The list of repositories '{list_file}' names none.")
    return paths


def _walk(root: Path, unlinked: bool) -> Iterator[Path]:
    """Projects under ``root``: an iterative walk, symlinks and hidden folders skipped."""
    stack: list[tuple[Path, int, Path | None]] = [(root, 0, None)]
    repos_with_projects: set[Path] = set()
    candidates: list[Path] = []
    while stack:
        folder, depth, repo = stack.pop()
        if (folder / ANSWERS_FILE).is_file():
            if repo is not None:
                repos_with_projects.add(repo)
            yield folder
            continue
        if (folder / ".git").exists():
            repo = folder
            candidates.append(folder)
        if depth >= MAX_DEPTH:
            continue
        stack.extend((child, depth + 1, repo) for child in reversed(_children(folder)))
    if unlinked:
        yield from (c for c in candidates if c not in repos_with_projects)


def _children(folder: Path) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(
        Path(entry.path)
        for entry in entries
        if not entry.name.startswith(".")
        and entry.name not in _SKIP_DIRS
        and entry.is_dir(follow_symlinks=False)
    )
