"""The one error hierarchy of mlops-new.

Core modules raise these; ``cli._errors`` maps each class to an exit code and
prints ``message`` (and ``hint``) without a traceback.  Anything that is not an
:class:`MlopsNewError` is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno


def shown(text: str, limit: int | None = None) -> str:
    """``text`` safe inside a one-line message: control characters (terminal
    escapes, line breaks) shown as their escapes, and cut past ``limit``."""
    escaped = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    return escaped if limit is None or len(escaped) <= limit else f"{escaped[:limit]}..."


class MlopsNewError(Exception):
    """Base class: a failure mlops-new can explain to its user."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n{self.hint}"


class UserError(MlopsNewError):
    """The user asked for something that cannot be done as asked."""


class InvalidNameError(UserError):
    """The project name or path cannot become a project."""


class DestinationExistsError(UserError):
    """The target folder exists and is not empty."""


class InvalidAnswerError(UserError):
    """An answer (from ``-d``, ``--data-file`` or a prompt) fails its validator."""


class UnknownVersionError(UserError):
    """The requested template version does not exist in the template source."""


class TemplateSourceError(UserError):
    """The template source cannot be read (missing, not a copier template, unreachable)."""


class MissingToolError(UserError):
    """A required external program (git) is not installed."""


class StoreError(MlopsNewError):
    """The per-user template store is damaged or cannot be written."""


class AbortedError(MlopsNewError):
    """The user interrupted the command (Ctrl-C); nothing was left behind."""


class NotAProjectError(UserError):
    """The folder is not a git repository, or has no (valid) answers file."""


class DirtyProjectError(UserError):
    """The project has uncommitted changes; updating could mix them with the template's."""


class DowngradeError(UserError):
    """The requested version is older than the project's."""


class FileSystemError(UserError):
    """The file system refused: read-only, full, a name too long, a missing or looping path."""


USER_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "ENAMETOOLONG", "ENOENT",
        "ENOTDIR", "EISDIR", "ELOOP", "EEXIST", "ENOTEMPTY", "EMLINK", "EFBIG", "EXDEV",
    )
    if hasattr(errno, name)
)  # fmt: skip
"""``errno`` values a user (their disk, permissions or paths) causes, not a bug."""


def from_os_error(exc: OSError) -> FileSystemError | None:
    """The user error for a file system failure the user can fix, else ``None`` (a bug)."""
    if exc.errno not in USER_ERRNOS:
        return None
    where = f" '{exc.filename}'" if exc.filename else ""
    reason = exc.strerror or "file system error"
    return FileSystemError(
        f"Cannot use{where}: {reason}.",
        "Free some space, pick a writable folder or a shorter path, and retry.",
    )
