"""Exit codes, and the one place where exceptions become messages and codes."""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from mlops_new import errors


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
    except KeyboardInterrupt:
        _fail("Aborted: nothing was left behind.", None, ExitCode.ABORTED)
    except errors.MlopsNewError as exc:
        _fail(exc.message, exc.hint, exit_code_for(exc))
    except OSError as exc:
        mapped = errors.from_os_error(exc)
        if mapped is None:
            raise
        _fail(mapped.message, mapped.hint, exit_code_for(mapped))


def _fail(message: str, hint: str | None, code: ExitCode) -> None:
    from mlops_new.cli._output import error  # noqa: PLC0415  (rich loads only on failure)

    error(message, hint)
    sys.exit(int(code))
