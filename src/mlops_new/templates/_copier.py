"""The only module that imports copier, and only its public API.

Importing this module costs about a third of a second, so callers import it
inside the functions that render, never at module level: ``mlops-new --help``
must stay fast.  Copier's exceptions are translated into ours here.

Trust boundary: copier's own git calls (cloning the template, its index
checks) run with the same hardened git configuration as ours, a render that
names a ``.git`` path, an absolute path or a symlink leaving the render is
refused before the caller sees it, and without ``trust`` no template code
(tasks, Jinja extensions) runs, the render sees only the environment of
``git.Trust.UNTRUSTED_RENDER`` (no tokens), and its Jinja filters are
``PURE_FILTERS`` only (none reads the machine: no ``expandvars``,
``expanduser``, ``fileglob``, ``realpath``, ``relpath``).
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import jinja2
import jinja2_ansible_filters
from copier import errors as copier_errors
from jinja2.filters import FILTERS as JINJA_FILTERS
from plumbum import ProcessExecutionError, local

from mlops_new.core import limited
from mlops_new.core.errors import (
    AbortedError,
    InvalidAnswerError,
    MlopsNewError,
    StoreError,
    TemplateSourceError,
    shown,
)
from mlops_new.inputs.answers import given_bool
from mlops_new.templates import store
from mlops_new.templates.store import STORE_SRC

_ANSWER_ERRORS = ("Validation error for question", "Invalid choice for", "Question ")


@dataclass(frozen=True)
class Rendered:
    """What a render tells its caller besides the files."""

    questions: dict[str, Any]
    """The template's questions (name -> settings): to validate the given answers."""
    message: str
    """The template's ``_message_after_copy``, rendered ("" when none): its own next steps."""


def copy(
    src: str,
    dst: Path,
    *,
    ref: str | None,
    data: Mapping[str, Any],
    user_defaults: Mapping[str, Any],
    defaults: bool,
    trust: bool = False,
    skip_tasks: bool = False,
) -> Rendered:
    """Render ``src`` at ``ref`` into the (new, empty) folder ``dst``.

    The user's own copier settings file is ignored: only what mlops-new passes
    decides the answers, so a project renders the same on every machine.
    ``skip_tasks``: the template's tasks do not run (renders for an update or a
    diff: template code runs on creation only).  Raises
    :class:`TemplateSourceError` if the render holds a forbidden path.

    Without ``trust``, a render without prompts runs in a child process under
    time and memory limits (``limited``); a render bomb is an error (exit 4). The
    bundled template (the store, mlops-new's own released and tested template) needs
    no limits: it renders here, under the same sandbox and scrubbed environment.
    """
    call = functools.partial(
        _copy, src, dst, ref=ref, data=data, user_defaults=user_defaults,
        defaults=defaults, trust=trust, skip_tasks=skip_tasks,
    )  # fmt: skip
    if trust or not defaults or _bundled(src):  # trusted, prompting here, or our own
        return call()
    if not limited.available():  # a helper process already (see render): limit it
        limited.limit(limited.SECONDS, limited.MEMORY)
        return call()
    try:
        return limited.run(functools.partial(_in_child, call))
    except limited.LimitError as exc:
        raise TemplateSourceError(
            f"The template {_one_line(src)} cannot be rendered: {exc.message}.",
            "Fix the template, or use another one; mlops-new wrote nothing.",
        ) from exc


def _bundled(src: str) -> bool:
    """Whether ``src`` is the per-user store of the bundled template."""
    try:
        return Path(src).expanduser().resolve() == store.store_path().resolve()
    except OSError:
        return False


def _in_child(call: Callable[[], Rendered]) -> Rendered:
    """In the render's child: it has one thread, so the parent's held locks are not its own."""
    global _ENVIRONMENT  # noqa: PLW0603
    _ENVIRONMENT = threading.Lock()
    return call()


def _copy(
    src: str,
    dst: Path,
    *,
    ref: str | None,
    data: Mapping[str, Any],
    user_defaults: Mapping[str, Any],
    defaults: bool,
    trust: bool,
    skip_tasks: bool,
) -> Rendered:
    with _calling(src), _hardened_git(src, trust=trust):
        worker = copier.run_copy(
            src,
            dst,
            data=dict(data),
            vcs_ref=ref,
            settings=_SETTINGS,
            defaults=defaults,
            user_defaults=dict(user_defaults),
            quiet=True,
            unsafe=trust,
            skip_tasks=skip_tasks,
            cleanup_on_error=False,
        )
        rendered = Rendered(
            questions=dict(worker.template.questions_data),
            message=_message_after_copy(worker, src, ref),
        )
    refuse_forbidden_paths(dst, src)
    for key, value in data.items():  # copier reads any text as a boolean ("nope" is true)
        if (
            isinstance(rendered.questions.get(key), dict)
            and rendered.questions[key].get("type") == "bool"
        ):
            given_bool(key, value)
    return rendered


def _message_after_copy(worker: Any, src: str, ref: str | None) -> str:
    """The template's message after copy, rendered in copier's sandbox with the answers.

    copier has removed its checkout of the template by now: a message that includes
    the template's files (``{% include 'next-steps.md' %}``) reads them from a fresh
    shallow checkout of the same ref.
    """
    message = worker.template.message_after_copy
    if not isinstance(message, str) or not message.strip():
        return ""
    answers = worker.answers.combined
    try:
        rendered = worker.jinja_env.from_string(message).render(**answers)
    except jinja2.TemplateNotFound:
        from mlops_new.core.git import run
        from mlops_new.templates.catalog import git_location

        with tempfile.TemporaryDirectory(prefix="mlops-new-message-") as tmp:
            branch = ["--branch", ref] if ref else []
            location = git_location(src)
            run("clone", "--quiet", "--depth", "1", *branch, "--", location, tmp, cwd=Path(tmp))
            env = worker.jinja_env.overlay(loader=jinja2.FileSystemLoader(tmp))
            rendered = env.from_string(message).render(**answers)
    return str(rendered).strip("\n")


_SETTINGS = copier.Settings(defaults={}, trust=[])
"""Never the user's own copier settings: the same answers render the same everywhere."""


def refuse_forbidden_paths(root: Path, src: str) -> None:
    """Refuse a render at ``root`` holding a ``.git`` path or a symlink leaving it.

    Absolute and ``..`` paths never land (copier refuses them; translated
    below); a ``.git`` folder or file would hand the project's repository to
    the template (hooks, config), and a symlink out of the project would let
    later writes and reads go elsewhere.
    """
    if not root.exists():
        return
    top = root.resolve()
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if name.lower() == ".git":
                raise _forbidden(src, f"renders the path '{rel}' (a .git component)")
            if path.is_symlink():
                target = path.readlink()
                if target.is_absolute() or not path.resolve().is_relative_to(top):
                    raise _forbidden(
                        src, f"renders the symlink '{rel}' -> '{target}', pointing outside it"
                    )


def _forbidden(src: str, what: str) -> TemplateSourceError:
    return TemplateSourceError(
        f"The template {src} {what}; mlops-new refuses it and wrote nothing.",
        "Fix the template, or use another one.",
    )


@contextmanager
def _hardened_git(src: str, *repos: Path, trust: bool = False) -> Iterator[None]:
    """The render's environment (``git.environment``): hardened git for copier's own git
    processes, and without ``trust`` no secrets and only :data:`PURE_FILTERS`.

    Copier runs git through plumbum, whose environment is its own copy and one
    per process; Jinja's filters read ``os.environ``: both are the render's
    while one copier call at a time holds them (renders in threads cannot swap
    each other's), and are given back afterwards.
    """
    from mlops_new.core.git import Trust, environment

    local_src = Path(src).expanduser()
    level = Trust.TRUSTED_RENDER if trust else Trust.UNTRUSTED_RENDER
    variables = environment(level, (local_src, *repos) if local_src.is_dir() else repos)
    with _ENVIRONMENT, _process_environment(variables), local.env():
        local.env.clear()
        local.env.update(variables)
        if trust:
            yield
        else:
            with _pure_filters():
                yield


@contextmanager
def _process_environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


PURE_FILTERS = frozenset(JINJA_FILTERS) | {
    "to_json", "to_nice_json", "from_json", "to_yaml", "to_nice_yaml", "from_yaml",
    "from_yaml_all", "b64encode", "b64decode", "to_uuid", "basename", "dirname", "splitext",
    "win_basename", "win_dirname", "win_splitdrive", "bool", "to_datetime", "strftime",
    "quote", "md5", "sha1", "checksum", "hash", "regex_replace", "regex_escape",
    "regex_search", "regex_findall", "ternary", "mandatory", "comment", "type_debug",
    "combine", "extract", "flatten", "dict2items", "items2dict", "subelements",
}  # fmt: skip
"""The filters an untrusted template may use: Jinja's own and the pure ones of
jinja2-ansible-filters (copier's default extension); none reads files, the
environment, the clock's host or the current folder."""


class _PureFiltersExtension(jinja2_ansible_filters.AnsibleCoreFiltersExtension):  # type: ignore[misc]
    """Copier's default filters extension, cut to :data:`PURE_FILTERS`."""

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        for name in set(environment.filters) - PURE_FILTERS:
            del environment.filters[name]


@contextmanager
def _pure_filters() -> Iterator[None]:
    """While held (under ``_ENVIRONMENT``), copier's Jinja environment loads
    :class:`_PureFiltersExtension` for the name it asks for."""
    original = jinja2_ansible_filters.AnsibleCoreFiltersExtension
    jinja2_ansible_filters.AnsibleCoreFiltersExtension = _PureFiltersExtension
    try:
        yield
    finally:
        jinja2_ansible_filters.AnsibleCoreFiltersExtension = original


_ENVIRONMENT = threading.Lock()
"""Held while plumbum's (process-wide) environment carries one call's hardening."""


@contextmanager
def _calling(src: str) -> Iterator[None]:
    """Around every copier call: our errors for copier's, copier's warnings silenced."""
    with _translated(src), _render_errors(src), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextmanager
def _translated(src: str) -> Iterator[None]:
    try:
        yield
    except copier_errors.CopierAnswersInterrupt as exc:
        raise AbortedError("Aborted: no project was created.") from exc
    except copier_errors.UnsafeTemplateError as exc:
        raise TemplateSourceError(
            f"The template {src} runs tasks or loads Jinja extensions: {exc}",
            "Review it, then pass --trust if you trust it.",
        ) from exc
    except copier_errors.InteractiveSessionError as exc:
        raise InvalidAnswerError(
            f"A question needs an answer but this is not an interactive terminal: {exc}",
            "Pass --defaults, or answer it with -d KEY=VALUE.",
        ) from exc
    except (copier_errors.ConfigFileError, copier_errors.UnsupportedVersionError) as exc:
        raise TemplateSourceError(f"The template {src} cannot be used: {exc}") from exc
    except copier_errors.PathError as exc:
        first = str(exc).splitlines()[0]
        raise _forbidden(src, f"renders a path outside the project ({first})") from exc
    except copier_errors.UserMessageError as exc:
        raise TemplateSourceError(
            f"The template {src} cannot be used: {_one_line(str(exc))}"
        ) from exc
    except ValueError as exc:
        mapped = _answer_error(src, exc)
        if mapped is None:
            raise
        raise mapped from exc
    except ProcessExecutionError as exc:
        raise _git_error(src, exc) from exc


@contextmanager
def _render_errors(src: str) -> Iterator[None]:
    """A template that Jinja's sandbox stops, or that recurses or grows without bound."""
    try:
        yield
    except jinja2.TemplateError as exc:  # a sandbox escape, an include outside it...
        raise TemplateSourceError(
            f"The template {src} cannot be rendered: {_one_line(str(exc) or type(exc).__name__)}",
            "Fix the template, or use another one; mlops-new wrote nothing.",
        ) from exc
    except (RecursionError, OverflowError, MemoryError) as exc:
        raise TemplateSourceError(
            f"The template {src} cannot be rendered: it recurses or grows without bound "
            f"({type(exc).__name__}).",
            "Fix the template, or use another one; mlops-new wrote nothing.",
        ) from exc


def _answer_error(src: str, exc: ValueError) -> MlopsNewError | None:
    required = re.match(r'Question "(\w+)" is required', str(exc))
    if required:
        name = required.group(1)
        return InvalidAnswerError(
            f"The question '{name}' has no default and no answer.",
            f"Answer it with -d {name}=VALUE.",
        )
    if str(exc).startswith("Local template must be a directory"):
        return TemplateSourceError(
            f"The template source {_one_line(src)} is neither a folder nor a git URL.",
            "Give a folder, git+file:///PATH, https://..., git@host:path or gh:owner/name "
            "(a project's source is its .copier-answers.yml's _src_path).",
        )
    unknown = re.match(r"Unknown revision: '(.*)'", str(exc))
    if unknown and src == STORE_SRC:  # the store's versions are all known: it is damaged
        return StoreError(
            f"The template store {src} lacks {_one_line(unknown.group(1))}: it is damaged.",
            f"Move {src} aside and retry; it is rebuilt from the package.",
        )
    if unknown:
        return TemplateSourceError(
            f"The template {_one_line(src)} has no revision {_one_line(unknown.group(1))} "
            "(the answers' _commit).",
            "Check _commit in .copier-answers.yml (git log -p -- .copier-answers.yml); "
            "`mlops-new versions` lists the template's versions.",
        )
    if str(exc).startswith(_ANSWER_ERRORS):
        return InvalidAnswerError(
            f"{_one_line(str(exc)).rstrip('.')}.",
            "Fix the value given with -d/--data-file, or leave it to its default.",
        )
    return None


def _git_error(src: str, exc: ProcessExecutionError) -> MlopsNewError:
    """Copier's git failed on ``src``: the store's (exit 5) or the template's fault."""
    lines = str(exc.stderr or "").strip().splitlines()
    reason = _one_line(lines[-1] if lines else f"git exited with {exc.retcode}")
    if src == STORE_SRC:
        return StoreError(
            f"The template store {src} cannot be read: {reason}",
            f"Move {src} aside and retry; it is rebuilt from the package.",
        )
    return TemplateSourceError(f"The template {src} cannot be read: {reason}")


def _one_line(text: str) -> str:
    """``text`` on one line (copier's messages span several), safe to print."""
    return shown(" ".join(text.split("\n")), limit=300)
