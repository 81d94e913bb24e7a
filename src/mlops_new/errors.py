"""The one error hierarchy of mlops-new.

Core modules raise these; ``cli._errors`` maps each class to an exit code and
prints ``message`` (and ``hint``) without a traceback.  Anything that is not an
:class:`MlopsNewError` is a bug and keeps its traceback.
"""

from __future__ import annotations


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


class ConflictsError(MlopsNewError):
    """An update left conflicts to resolve (raised by the CLI after reporting them)."""
