"""Pristine renders of a project's own template version: ``diff`` and ``restore``."""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from mlops_new.core.errors import DirtyProjectError, UserError
from mlops_new.core.git import git, uncommitted
from mlops_new.core.results import DiffResult, RestoreResult
from mlops_new.project.model import Project, in_project_folder, known_version, load
from mlops_new.templates.render import pristine


@contextmanager
def project_pristine(project: Project, *, trust: bool = False) -> Iterator[Path]:
    """:func:`pristine` for the project's own version and answers (``trust``: the
    template's Jinja extensions may load)."""
    known_version(project)
    with (
        in_project_folder(project),
        pristine(project.src, project.commit, project.user_answers, trust=trust) as clean,
    ):
        yield clean


def diff_project(path: Path, *, trust: bool = False) -> DiffResult:
    """What the team changed relative to a pristine render of the project's version.

    Template files the team modified or deleted are drift; files the team added
    (its own code, ``uv.lock``, ``dvc.lock``) are listed but are not drift.
    """
    project = load(path)
    with project_pristine(project, trust=trust) as clean:
        ours = set(_project_files(project))
        theirs = {p.relative_to(clean).as_posix() for p in clean.rglob("*") if p.is_file()}
        modified = sorted(
            name for name in ours & theirs if _read(clean, name) != _read(project.path, name)
        )
        patch = "".join(_patch(clean / name, project.path / name, name) for name in modified)
        return DiffResult(
            path=project.path,
            template_version=project.version,
            modified=tuple(modified),
            added=tuple(sorted(ours - theirs)),
            deleted=tuple(sorted(theirs - ours)),
            patch=patch,
        )


def restore_files(path: Path, files: Sequence[str], *, trust: bool = False) -> RestoreResult:
    """Bring ``files`` back exactly as the project's template version renders them."""
    project = load(path)
    names = [_relative(project, name) for name in files]
    for name in names:
        if uncommitted(project.path, name):
            raise DirtyProjectError(
                f"'{name}' has uncommitted changes; restoring it would lose them.",
                "Commit or stash them first (`git stash`), then retry.",
            )
    with project_pristine(project, trust=trust) as clean:
        missing = [name for name in names if not (clean / name).is_file()]
        if missing:
            raise UserError(
                f"'{missing[0]}' is not a file of template v{project.version}.",
                "`mlops-new diff` lists the template's files that differ or are missing.",
            )
        for name in names:
            target = project.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():  # replaced, never written through
                target.unlink()
            shutil.copy2(clean / name, target, follow_symlinks=False)
    return RestoreResult(path=project.path, template_version=project.version, restored=tuple(names))


def _relative(project: Project, name: str) -> str:
    """``name`` relative to the project, spelled out without following any symlink."""
    candidate = Path(name)
    absolute = Path(os.path.normpath(Path.cwd() / candidate))
    if not absolute.is_relative_to(project.path):
        absolute = Path(os.path.normpath(project.path / candidate))
    if not absolute.is_relative_to(project.path) or absolute == project.path:
        raise UserError(
            f"'{name}' is outside the project {project.path}.",
            "Give paths inside the project.",
        )
    rel = absolute.relative_to(project.path)
    if _through_symlink(project.path, rel.as_posix()):
        raise UserError(
            f"'{rel.as_posix()}' is inside a symlinked folder of the project; "
            "mlops-new never writes through a symlink.",
            "Replace the symlinked folder with a real one, then retry.",
        )
    return rel.as_posix()


def _through_symlink(root: Path, name: str) -> bool:
    """Whether a folder on the way from ``root`` to ``name`` is a symlink."""
    parts = Path(name).parts[:-1]
    return any((root.joinpath(*parts[: i + 1])).is_symlink() for i in range(len(parts)))


def _read(root: Path, name: str) -> bytes:
    """The bytes git would compare: a symlink's target text, never what it points at."""
    path = root / name
    if path.is_symlink():
        return b"symlink -> " + os.fsencode(path.readlink())
    return path.read_bytes()


def _project_files(project: Project) -> list[str]:
    out = git(
        "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".", cwd=project.path
    )
    return [
        name
        for name in out.split("\0")
        if name
        and not _through_symlink(project.path, name)
        and ((project.path / name).is_symlink() or (project.path / name).is_file())
    ]


def _patch(clean: Path, ours: Path, name: str) -> str:
    try:
        before = _read(clean.parent, clean.name).decode("utf-8").splitlines(keepends=True)
        after = _read(ours.parent, ours.name).decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"Binary files a/{name} and b/{name} differ\n"
    return "".join(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"))
