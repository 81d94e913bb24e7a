"""A generated project on disk: its git repository, answers and template version."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_new.core.bounded import MAX_BYTES, InputError, load_yaml
from mlops_new.core.errors import (
    DirtyProjectError,
    NotAProjectError,
    TemplateSourceError,
    UnknownVersionError,
)
from mlops_new.core.git import git, require_git, run, uncommitted
from mlops_new.inputs.answers import ANSWERS_FILE, local_source, read_answers
from mlops_new.project import journal
from mlops_new.templates import store


@dataclass(frozen=True)
class Project:
    """What mlops-new knows about a project before touching it."""

    path: Path
    repo_root: Path
    answers: dict[str, Any]

    @property
    def src(self) -> str:
        return str(self.answers["_src_path"])

    @property
    def commit(self) -> str:
        return str(self.answers["_commit"])

    @property
    def bundled(self) -> bool:
        return self.src == store.STORE_SRC

    @property
    def user_answers(self) -> dict[str, Any]:
        return {k: v for k, v in self.answers.items() if not k.startswith("_")}

    @property
    def version(self) -> str:
        """The project's template version as written in the answers file, without ``v``."""
        return self.commit.removeprefix("v")


def repo_root(path: Path) -> Path:
    """The root of the git repository holding ``path``, or a user error."""
    require_git()
    if not path.is_dir():
        raise NotAProjectError(f"'{path}' is not a folder.", "Give the path of a project.")
    root = git("rev-parse", "--show-toplevel", cwd=path, check=False)
    if not root and not (path / ANSWERS_FILE).is_file():
        raise NotAProjectError(
            f"'{path}' is not inside a git repository and has no {ANSWERS_FILE}: "
            "it is not an mlops-new project.",
            "Run this inside a project (or pass its path), or create one with `mlops-new NAME`.",
        )
    if not root:
        raise NotAProjectError(
            f"'{path}' is not inside a git repository; mlops-new updates only git projects.",
            "Commit the project first: `git init && git add -A && git commit -m init`.",
        )
    if not path.resolve().is_relative_to(Path(root).resolve()):
        raise NotAProjectError(
            f"The git repository of '{path}' has its work tree elsewhere ({root}): "
            "its config sets core.worktree.",
            "Remove it (`git config --unset core.worktree`), or run mlops-new in that folder.",
        )
    return Path(root)


def load(path: Path, *, resuming: bool = False) -> Project:
    """Read the project at ``path`` (a git repository with a valid answers file).

    An unfinished update of its repository is refused with the command that
    finishes or undoes it, unless ``resuming`` (``update --continue/--abort``).
    """
    path = path.expanduser().resolve()
    root = repo_root(path)
    if not resuming:
        journal.refuse_pending(root, path)
    answers_path = path / ANSWERS_FILE
    if not answers_path.is_file():
        raise NotAProjectError(
            f"'{path}' has no {ANSWERS_FILE}: it was not created by mlops-new or copier.",
            "Adopt it with `mlops-new link PATH --ref VERSION`.",
        )
    try:
        answers = read_answers(path)  # bounded; _src_path must be a path or URL
    except InputError as exc:
        raise NotAProjectError(
            exc.message, "Restore it from git history: `git log -p -- .copier-answers.yml`."
        ) from exc
    if not isinstance(answers, dict) or not answers.get("_src_path") or not answers.get("_commit"):
        raise NotAProjectError(
            f"{answers_path} does not name a template source and version (_src_path and _commit).",
            "Restore it from git history, or adopt the project with `mlops-new link`.",
        )
    if not resuming:  # `update --abort/--continue` finish what was started
        refuse_template_inside(path, root, str(answers["_src_path"]))
    return Project(path=path, repo_root=root, answers=answers)


def refuse_template_inside(path: Path, root: Path, src: str) -> None:
    """Refuse a ``_src_path`` naming a folder inside the repository under review.

    A pull request that ships a template and points the answers at it would
    have CI (``diff --exit-code``, ``update``, ``fleet update``) render code
    the pull request wrote. Checked against the project folder and the
    current one (where a relative path could be read from).
    """
    local = local_source(src)
    if local is None or src == store.STORE_SRC:  # the store is mlops-new's own
        return
    top = root.resolve()
    for base in (path, Path.cwd()):
        try:
            where = (base / local).resolve()
        except (OSError, RuntimeError):
            continue
        if where == top or where.is_relative_to(top):
            raise TemplateSourceError(
                f"The answers' _src_path '{src}' names a folder inside the repository {top}; "
                "mlops-new renders no template a repository ships itself.",
                "Point _src_path at the template's own repository or URL "
                "(`git log -p -- .copier-answers.yml` shows who changed it).",
            )


@contextmanager
def in_project_folder(project: Project, folder: Path | None = None) -> Iterator[None]:
    """Read a relative ``_src_path`` from the project's folder (or ``folder``: the original
    checkout of a temporary worktree), wherever mlops-new runs.

    The answers file keeps the path as the team wrote it (copier records the source it is
    given, so it is never made absolute); the template is found as copier's own update finds
    it.  Only the current folder changes, and only for a relative local source.
    """
    local = local_source(project.src)
    if local is None or local.is_absolute():
        yield
        return
    before = Path.cwd()
    os.chdir(folder or project.path)
    try:
        yield
    finally:
        os.chdir(before)


def require_clean(project: Project) -> None:
    """Refuse a project with uncommitted or untracked changes."""
    dirty = uncommitted(project.path)
    if dirty:
        first = dirty[0]
        raise DirtyProjectError(
            f"'{project.path}' has uncommitted changes (e.g. {first}); cannot update.",
            "Commit or stash them (`git stash -u`) and retry.",
        )


_OPERATIONS = (
    ("rebase-merge", "a rebase", "git rebase --continue` or `git rebase --abort"),
    ("rebase-apply", "a rebase or `git am`", "git rebase --abort` or `git am --abort"),
    ("MERGE_HEAD", "a merge", "git merge --continue` or `git merge --abort"),
    ("CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --continue` or `--abort"),
    ("REVERT_HEAD", "a revert", "git revert --continue` or `--abort"),
    ("BISECT_LOG", "a bisect", "git bisect reset"),
)


def require_no_git_operation(project: Project) -> None:
    """Refuse while git is in the middle of a rebase, merge, cherry-pick, revert or bisect."""
    args = [arg for name, _, _ in _OPERATIONS for arg in ("--git-path", name)]
    found = git("rev-parse", *args, cwd=project.repo_root).splitlines()
    for (_, what, finish), where in zip(_OPERATIONS, found, strict=True):
        if (project.repo_root / where).exists():  # an absolute path stays absolute
            raise DirtyProjectError(
                f"The repository is in the middle of {what}; cannot update.",
                f"Finish it first (`{finish}`), then retry.",
            )


def known_version(project: Project) -> store.ReleasedVersion | None:
    """The bundled release the project is on (``None`` for other templates)."""
    if not project.bundled:
        return None
    try:
        return store.find(project.version)
    except UnknownVersionError as exc:
        newest = store.latest().version
        raise UnknownVersionError(
            f"The project is on template v{project.version}, which this mlops-new "
            f"(newest bundled: v{newest}) does not know.",
            "It was made by a newer mlops-new: upgrade (`pip install -U mlops-new`) and retry.",
        ) from exc


def relpath_in_repo(project: Project) -> str:
    """The project's folder relative to its repository root (``.`` at the root)."""
    rel = project.path.relative_to(project.repo_root).as_posix()
    return rel or "."


HAND_EDITS_LOOKED_AT = 20
"""How many commits of the answers file :func:`rendered_answers` reads back at most."""


@dataclass(frozen=True)
class HandEdit:
    """Answers the project's files were rendered with, and the commit that edited them."""

    answers: dict[str, Any]
    commit: str


def rendered_answers(project: Project) -> HandEdit | None:
    """The user answers the project's files were rendered with, when they differ from the
    recorded ones because commits edited only the answers file since (by hand).

    A commit that changes the answers file and nothing else in the project, keeping its
    ``_commit`` and ``_src_path``, is a hand edit (an update always changes the files an
    answer changes too); ``None`` when the last commit of the answers file is not one.
    """
    log = git("log", "--format=%H %P", f"-n{HAND_EDITS_LOOKED_AT}", "--", ANSWERS_FILE,
              cwd=project.path)  # fmt: skip
    found: HandEdit | None = None
    for line in log.splitlines():
        commit, *parents = line.split()
        if not parents or _changed_in_project(project, parents[0], commit) != [ANSWERS_FILE]:
            break
        before = _answers_at(project, parents[0])
        same_source = all(before.get(k) == project.answers[k] for k in ("_commit", "_src_path"))
        if not same_source:
            break
        found = HandEdit({k: v for k, v in before.items() if not str(k).startswith("_")}, commit)
    return found if found is not None and found.answers != project.user_answers else None


def touched_since(project: Project, commit: str, paths: Sequence[str]) -> bool:
    """Whether a commit after ``commit`` changed one of ``paths`` (relative to the project)."""
    if not paths:
        return False
    specs = [f":(literal){path}" for path in paths]
    return bool(git("log", "--format=%H", "-n1", f"{commit}..HEAD", "--", *specs,
                    cwd=project.path))  # fmt: skip


def _changed_in_project(project: Project, before: str, after: str) -> list[str]:
    out = git("diff-tree", "-r", "--no-renames", "--name-only", "--relative", before, after,
              "--", ".", cwd=project.path)  # fmt: skip
    return out.splitlines()


def _answers_at(project: Project, commit: str) -> dict[str, Any]:
    """The answers file at ``commit`` (``{}`` if missing, too large or not a mapping)."""
    spec = f"{commit}:./{ANSWERS_FILE}"
    size = git("cat-file", "-s", spec, cwd=project.path, check=False)
    if not size.isdigit() or int(size) > MAX_BYTES:
        return {}
    text = run("cat-file", "blob", spec, cwd=project.path).stdout.decode("utf-8", "replace")
    try:
        loaded = load_yaml(text, f"{ANSWERS_FILE} at {commit[:12]}")
    except InputError:
        return {}
    return {str(k): v for k, v in loaded.items()} if isinstance(loaded, dict) else {}
