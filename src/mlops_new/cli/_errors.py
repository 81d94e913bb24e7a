"""Exit codes, and the one place where exceptions become messages and codes."""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mlops_new.core import errors, signals


class ExitCode(enum.IntEnum):
    """Documented exit codes of every mlops-new command."""

    OK = 0
    ERROR = 1
    """Unexpected failure (a bug: please report it with the traceback)."""
    USAGE = 2
    """Bad command line (typer/click's own code)."""
    CONFLICTS = 3
    """``update`` left conflicts to resolve (inline markers, unmerged in git)."""
    USER_ERROR = 4
    """Bad input: name, answer, version, existing folder, missing tool, hostile template,
    a file system that refuses (read-only, full, name too long)."""
    STORE_ERROR = 5
    """The per-user template store is damaged or cannot be written."""
    DRIFT = 6
    """``diff --exit-code`` found template files the team changed or deleted."""
    FAILED_CHECKS = 7
    """``check``: a required check failed."""
    OUTDATED = 8
    """``check``: the template version is behind the policy's ``min_version``/``max_behind``."""
    FLEET_FAILURES = 9
    """``fleet``: at least one repository failed (the others were still processed)."""
    ABORTED = 130
    """Interrupted with Ctrl-C; nothing was left behind."""


_CODES: tuple[tuple[type[errors.MlopsNewError], ExitCode], ...] = (
    (errors.AbortedError, ExitCode.ABORTED),
    (errors.StoreError, ExitCode.STORE_ERROR),
    (errors.UserError, ExitCode.USER_ERROR),
    (errors.MlopsNewError, ExitCode.ERROR),
)


def exit_code_for(exc: errors.MlopsNewError) -> ExitCode:
    """The exit code of an mlops-new error (most specific class wins)."""
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    return ExitCode.ERROR


@contextmanager
def handled() -> Iterator[None]:
    """Turn mlops-new errors and Ctrl-C into a message on stderr and an exit code."""
    try:
        yield
    except errors.MlopsNewError as exc:
        _fail(exc.message, exc.hint, exit_code_for(exc))
    except (KeyboardInterrupt, Exception) as exc:
        if signals.is_interrupt(exc):  # Ctrl-C, a signal, or one Python wrapped
            _fail("Aborted: nothing was left behind.", None, ExitCode.ABORTED)
        mapped = errors.from_os_error(exc) if isinstance(exc, OSError) else None
        if mapped is None:
            raise
        _fail(mapped.message, mapped.hint, exit_code_for(mapped))


def _fail(message: str, hint: str | None, code: ExitCode) -> None:
    from mlops_new.cli import _console  # rich loads only on failure

    command = _json_command()
    if command is not None:
        _console.json_error(command, message, hint, int(code))
    else:
        _console.error(message, hint)
    sys.exit(int(code))


def _json_command() -> str | None:
    """The running command's name when it was given ``--format json``, else None.

    Read from click's context, so every command that takes ``--format`` (as
    ``fmt``) reports its errors as JSON without passing anything here.
    """
    context = _click_context()
    if context is None or str(getattr(context.params.get("fmt"), "value", "")) != "json":
        return None
    root = str(context.find_root().info_name or "")
    return str(context.command_path).removeprefix(root).strip()


def _click_context() -> Any:
    """The current click context: typer >= 0.2x vendors click as ``typer._click``."""
    try:
        from typer._click import globals as click_globals
    except ImportError:  # typer that uses click itself
        import click as click_globals  # type: ignore[no-redef]
    return click_globals.get_current_context(silent=True)
