"""Checks as tiny declarative classes, and the results they produce."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

if TYPE_CHECKING:
    from mlops_new.standards.inputs import Repo

DOCS_URL = "https://github.com/mlops-new/mlops-new/blob/main/docs/checks.md"


class Status(str, enum.Enum):
    """The outcome of one check."""

    passed = "pass"
    failed = "fail"
    skipped = "skip"
    waived = "waived"


class Severity(str, enum.Enum):
    """How much a failure matters: shown in every output, SARIF's level."""

    error = "error"
    """A broken or unsafe project: secrets, no tests, outputs in git."""
    warning = "warning"
    """A standard the project should meet."""
    info = "info"
    """A good habit; failing it is worth knowing, not alarming."""


def severity_rank(value: str) -> int:
    """Worst first: ``error`` 0, ``warning`` 1, ``info`` 2; anything else after them."""
    names = [member.value for member in Severity]
    return names.index(value) if value in names else len(names)


@dataclass(frozen=True)
class NotApplicable:
    """Returned by a check that does not apply to this repository (reported as skipped)."""

    reason: str


@dataclass(frozen=True)
class Fail:
    """A failure with its place: ``path`` (relative to the checked folder) and ``line``."""

    message: str
    path: str = ""
    line: int = 0


Outcome: TypeAlias = bool | str | Fail | NotApplicable
(
    """``True``: pass. ``False``: fail. A string: fail, with this Markdown detail. "
    "``Fail``: fail at a file and line. ``NotApplicable``: skip."""
)


class Check:
    """One standard. Subclasses set the class attributes and implement :meth:`check`.

    The class docstring is the rationale (docs/checks.md is generated from it);
    ``fix`` is Markdown that tells how to fix a failure; ``path`` names the file a
    failure is about when the outcome does not; ``requires`` lists checks that
    must pass first (otherwise this one is skipped); ``applies`` says when the
    check applies; ``waivable`` is false for checks a project may not waive itself.
    """

    id: ClassVar[str]
    family: ClassVar[str]
    title: ClassVar[str]
    fix: ClassVar[str]
    severity: ClassVar[Severity] = Severity.warning
    applies: ClassVar[str] = "every repository"
    path: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    waivable: ClassVar[bool] = True

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.id.lower()}"

    def check(self, repo: Repo) -> Outcome:  # pragma: no cover  (every subclass overrides)
        raise NotImplementedError

    def fix_for(self, repo: Repo) -> str:
        """The fix, tailored to the repository (e.g. naming ``mlops-new restore``)."""
        return self.fix

    def path_for(self, repo: Repo) -> str:
        """The file a failure points at (when the outcome names none)."""
        return self.path


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome, ready to print or serialise."""

    id: str
    family: str
    title: str
    status: Status
    message: str
    """Markdown: the failure and its fix, the skip reason, or the waiver's reason."""
    url: str
    path: str = ""
    """A file of the repository, relative to the repository's root ("" when none exists)."""
    required: bool = True
    """Whether a failure fails ``check`` (the policy's ``required``)."""
    severity: Severity = Severity.warning
    line: int = 0
    """The line ``path`` is about (1-based; 0 when the whole file is)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "title": self.title,
            "severity": self.severity.value,
            "status": self.status.value,
            "message": self.message,
            "url": self.url,
            "path": self.path,
            "line": self.line,
            "required": self.required,
        }


@dataclass(frozen=True)
class Currency:
    """How far a generated project's template version is from the newest available."""

    template_src: str
    project_version: str
    latest_version: str | None
    behind: int | None
    """``None`` when the versions could not be read (reported, not failed)."""
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "template_src": self.template_src,
            "project_version": self.project_version,
            "latest_version": self.latest_version,
            "behind": self.behind,
            "error": self.error,
        }
