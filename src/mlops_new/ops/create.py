"""``create_project``: render a template into a new git repository, all or nothing."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_new import __version__
from mlops_new.core import relock, signals
from mlops_new.core.errors import DestinationExistsError, InvalidNameError, shown
from mlops_new.core.git import identity, init_and_commit, require_git
from mlops_new.core.results import CreateResult
from mlops_new.inputs.answers import read_answers, user_defaults, validate_answers
from mlops_new.inputs.settings import Settings, load_policy_file
from mlops_new.templates import render, source

if TYPE_CHECKING:
    from mlops_new.templates._copier import Rendered

_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_-]*[A-Za-z0-9])?$")
MAX_NAME = 100
"""Longest project name: file systems allow 255 bytes, staging folders add a prefix."""


@dataclass(frozen=True)
class CreateOptions:
    """How to create a project (everything but the target)."""

    template: str | None = None
    ref: str | None = None
    data: Mapping[str, Any] | None = None
    defaults: bool = False
    trust: bool = False
    lock: bool = True
    settings: Settings = field(default_factory=Settings)
    """Organisation/user settings: default template, preset answers, policy."""
    on_step: Callable[[str | None], None] | None = None
    """Told each slow step's name as it starts (None: all done), for a progress display."""


def create_project(target: Path, options: CreateOptions) -> CreateResult:
    """Render the template into ``target``, lock it, commit it, and move it in place.

    Nothing is left at ``target`` (or beside it) if anything fails or the user
    interrupts: the project is rendered into a temporary folder in the same
    parent and moved only once complete.
    """
    require_git()
    # Lexically normal: `a/../b` must not create (and leave) an empty `a/`.
    target = Path(os.path.abspath(target.expanduser()))  # noqa: PTH100  (Path.absolute keeps ..)
    name = validate_target(target)
    given = dict(options.data or {})  # the user's own answers: validated after the render
    options = _with_settings(options)
    template = source.resolve(options.template, options.ref)
    src, ref = template.src, template.tag
    who = identity(Path.cwd())
    with (
        signals.completing() as done,
        _parent_folders(target.parent),
        _staging(target.parent, name) as staging,
    ):
        _step(options, "Rendering the template" if options.defaults else None)
        with _temporary_files_in(staging.parent):
            rendered = _render(src, ref, staging, user_defaults(name, who), options)
        validate_answers(given, rendered.questions)
        if not options.trust:  # no template code ran: the project's first update reuses it
            render.remember(template, staging, given)
        answers = read_answers(staging)
        # A policy shipped inside the template applies from the first render.
        options.settings.policy.merged(load_policy_file(staging)).refuse_locked(answers)
        _step(options, "Locking the dependencies (uv lock)" if options.lock else None)
        warnings = [] if not options.lock else _lock_if_trusted(staging, options)
        locked = (staging / "uv.lock").is_file()
        _step(options, "Committing")
        version = str(answers.get("_commit", "")) or template.label
        commit, fallback = init_and_commit(
            staging,
            f"Create project from mlops-new {__version__} (template {version})",
            who,
        )
        done()  # from here the project is complete: an interrupt must not undo it
        _move_into_place(staging, target)
        _step(options, None)
    # The template installs mlops-new in the project (hook, CI, sync) and names no source.
    from_pypi = "mlops_new_source" in rendered.questions and not answers.get("mlops_new_source")
    if from_pypi and (where := _installed_from_a_file()):
        warnings.append(
            f"This mlops-new {__version__} was installed from {where}, but the project's "
            f"pre-commit hook, CI and template sync install mlops-new=={__version__} from PyPI. "
            "Until that version is published, set where they get it: "
            "-d mlops_new_source=https://HOST/simple (or [defaults] mlops_new_source), "
            "or commit with SKIP=mlops-new-check."
        )
    if fallback:
        author = f"{answers.get('author_name', '')} <{answers.get('author_email', '')}>"
        warnings.append(
            f"git has no user.name/user.email: the first commit uses a fallback identity, "
            f"and the project's author is {author}; next time set yours with "
            "`git config --global user.name ...` and `user.email ...` "
            "(or answer -d author_name=... -d author_email=...)."
        )
    return CreateResult(
        path=target,
        template_src=str(answers.get("_src_path", src)),
        template_version=source.bare(version) or version,
        answers={k: v for k, v in answers.items() if not k.startswith("_")},
        git_commit=commit,
        locked=locked,
        fallback_identity=fallback,
        warnings=tuple(warnings),
        next_steps=next_steps(rendered.message, bundled=options.template is None),
    )


def _installed_from_a_file() -> str:
    """Where this mlops-new was installed from when a local folder or wheel (PEP 610), else ""."""
    try:
        recorded = importlib.metadata.distribution("mlops-new").read_text("direct_url.json")
        url = str(json.loads(recorded or "{}").get("url", ""))
    except (importlib.metadata.PackageNotFoundError, ValueError, AttributeError):
        return ""
    return url.removeprefix("file://") if url.startswith("file://") else ""


LEGACY_NEXT_STEPS = (
    "make setup    # uv sync + pre-commit hooks",
    "make test     # pytest",
    "make repro    # dvc repro: prepare -> train -> evaluate",
)
"""What bundled template versions before 0.4.0 (which carry no message) need next."""


def next_steps(message: str, *, bundled: bool) -> tuple[str, ...]:
    """The template's own next steps (its ``_message_after_copy``), one a line."""
    lines = tuple(line.rstrip() for line in message.splitlines() if line.strip())
    if not lines and bundled:
        return LEGACY_NEXT_STEPS
    return lines


def _step(options: CreateOptions, name: str | None) -> None:
    if options.on_step is not None:
        options.on_step(name)


def _with_settings(options: CreateOptions) -> CreateOptions:
    """Apply the settings: default template, preset answers, locked answers."""
    settings = options.settings
    data = settings.project_answers(options.data or {})
    return replace(options, template=options.template or settings.template, data=data)


def validate_target(target: Path) -> str:
    """Check that ``target`` can become a project and return the project's name."""
    name = target.name
    if len(name) > MAX_NAME:
        raise InvalidNameError(
            f"The project name '{name[:20]}...' is {len(name)} characters long; "
            f"use at most {MAX_NAME}.",
        )
    if not _NAME.match(name):
        suggestion = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "my-project"
        if not suggestion[0].isalpha():
            suggestion = f"project-{suggestion}"
        raise InvalidNameError(
            f"'{shown(name)}' is not a valid project name: use letters, digits, '-' and '_', "
            f"starting with a letter and ending with a letter or digit (try '{suggestion}')."
        )
    if target.is_symlink() and not target.exists():
        raise DestinationExistsError(
            f"'{target}' is a symlink to a missing folder; mlops-new does not write through it.",
            "Choose another NAME, or remove that symlink first.",
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DestinationExistsError(
            f"'{target}' already exists and is not empty; mlops-new never overwrites files.",
            "Choose another NAME, or remove that folder first.",
        )
    return name


def _render(
    src: str, ref: str | None, dst: Path, user_defaults: dict[str, Any], options: CreateOptions
) -> Rendered:
    from mlops_new.templates import _copier  # lazy: importing copier is slow

    return _copier.copy(
        src,
        dst,
        ref=ref,
        data=options.data or {},
        user_defaults=user_defaults,
        defaults=options.defaults,
        trust=options.trust,
    )


def _lock_if_trusted(project: Path, options: CreateOptions) -> list[str]:
    """``uv lock`` for the bundled template or with ``--trust``; a warning otherwise.

    Locking builds the project's own package, so it runs the template's build
    backend (``backend-path = ["."]`` is code from the template).
    """
    if options.template is None or options.trust:
        return _uv_lock(project)
    return [
        "uv lock skipped: locking runs the template's build backend, and --template "
        "is not trusted; review the project, then run `uv lock` and commit uv.lock "
        "(or create it with --trust)."
    ]


def _uv_lock(project: Path) -> list[str]:
    """Write ``uv.lock`` (network: the package index); a warning if it cannot."""
    if not (project / "pyproject.toml").is_file():
        return []
    warning = relock.uv_lock(project)
    return [] if warning is None else [warning]


@contextmanager
def _parent_folders(parent: Path) -> Iterator[None]:
    """Create ``parent`` (and its missing ancestors); remove them again on failure."""
    first_missing = None
    for folder in (parent, *parent.parents):
        if folder.exists():
            break
        first_missing = folder
    with signals.held():
        parent.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        if first_missing is not None:
            with signals.held():
                shutil.rmtree(first_missing, ignore_errors=True)
        raise


@contextmanager
def _staging(parent: Path, name: str) -> Iterator[Path]:
    """A temporary folder beside the target, removed whatever happens.

    A second SIGTERM/SIGHUP/Ctrl-C waits until the folder is made or removed,
    so an interruption never leaves a hidden ``.NAME.mlops-new-*`` folder.
    """
    with signals.held():
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.mlops-new-", dir=parent))
    try:
        yield tmp / name
    finally:
        with signals.held():
            shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def _temporary_files_in(folder: Path) -> Iterator[None]:
    """Temporary files (copier's template clone) go under ``folder``, removed with it."""
    scratch = folder / "tmp"
    scratch.mkdir(exist_ok=True)
    saved = tempfile.tempdir
    tempfile.tempdir = str(scratch)
    try:
        yield
    finally:
        tempfile.tempdir = saved


def _move_into_place(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    moved: list[Path] = []
    try:
        for entry in sorted(staging.iterdir()):
            moved.append(target / entry.name)
            entry.rename(target / entry.name)
    except BaseException:
        for path in moved:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise
