"""The only module that imports copier, and only its public API.

Importing this module costs about a third of a second, so callers import it
inside the functions that render, never at module level: ``mlops-new --help``
must stay fast.  Copier's exceptions are translated into ours here.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import copier
from copier import errors as copier_errors

from mlops_new.errors import (
    AbortedError,
    InvalidAnswerError,
    MlopsNewError,
    TemplateSourceError,
)

_ANSWER_ERRORS = ("Validation error for question", "Invalid choice for", "Question ")


def copy(
    src: str,
    dst: Path,
    *,
    ref: str | None,
    data: Mapping[str, Any],
    user_defaults: Mapping[str, Any],
    defaults: bool,
    trust: bool = False,
) -> str:
    """Render ``src`` at ``ref`` into the (new, empty) folder ``dst``.

    The user's own copier settings file is ignored: only what mlops-new passes
    decides the answers, so a project renders the same on every machine.
    Returns the template's ``_message_after_copy``, rendered ("" when none):
    each template says its own next steps.
    """
    with _calling(src):
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
            cleanup_on_error=False,
        )
        return _message_after_copy(worker)


def _message_after_copy(worker: Any) -> str:
    """The template's message after copy, rendered in copier's sandbox with the answers."""
    message = worker.template.message_after_copy
    if not isinstance(message, str) or not message.strip():
        return ""
    rendered = worker.jinja_env.from_string(message).render(**worker.answers.combined)
    return str(rendered).strip("\n")


def update(
    dst: Path,
    *,
    src: str,
    ref: str | None,
    data: Mapping[str, Any],
    defaults: bool,
    trust: bool = False,
) -> None:
    """Update the project at ``dst`` to ``ref`` with a 3-way merge.

    Conflicts are written inline and left unmerged in git's index (copier's
    ``conflict="inline"``; ``"rej"`` files can swallow non-conflicting edits).
    Template tasks never run again on update: they are for creation.
    """
    with _calling(src):
        copier.run_update(
            dst,
            data=dict(data),
            vcs_ref=ref,
            settings=_SETTINGS,
            defaults=defaults,
            overwrite=True,
            conflict="inline",
            skip_answered=True,
            skip_tasks=True,
            quiet=True,
            unsafe=trust,
        )


_SETTINGS = copier.Settings(defaults={}, trust=[])
"""Never the user's own copier settings: the same answers render the same everywhere."""


@contextmanager
def _calling(src: str) -> Iterator[None]:
    """Around every copier call: our errors for copier's, copier's warnings silenced."""
    with _translated(src), warnings.catch_warnings():
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
    except copier_errors.UserMessageError as exc:
        raise MlopsNewError(str(exc)) from exc
    except ValueError as exc:
        required = re.match(r'Question "(\w+)" is required', str(exc))
        if required:
            name = required.group(1)
            raise InvalidAnswerError(
                f"The question '{name}' has no default and no answer.",
                f"Answer it with -d {name}=VALUE.",
            ) from exc
        if str(exc).startswith(_ANSWER_ERRORS):
            raise InvalidAnswerError(
                f"{exc}.", "Fix the value given with -d/--data-file, or leave it to its default."
            ) from exc
        raise
