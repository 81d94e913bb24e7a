"""Frozen result objects returned by the core and rendered by ``cli._output``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


class JsonResult:
    """Mixin: ``to_json`` of a result dataclass (paths as strings, plus derived fields)."""

    _derived: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = asdict(self)  # type: ignore[call-overload]
        for key, value in data.items():
            if isinstance(value, Path):
                data[key] = str(value)
        for name in self._derived:
            data[name] = getattr(self, name)
        return data


@dataclass(frozen=True)
class CreateResult(JsonResult):
    """What ``create_project`` made."""

    path: Path
    template_src: str
    template_version: str
    answers: dict[str, Any]
    git_commit: str
    locked: bool
    fallback_identity: bool
    warnings: tuple[str, ...] = field(default=())
    next_steps: tuple[str, ...] = field(default=())
    """The template's next steps (commands to run inside the project), one a line."""


@dataclass(frozen=True)
class VersionNote:
    """One template version with its one-line summary."""

    version: str
    summary: str


@dataclass(frozen=True)
class UpdateResult(JsonResult):
    """What ``update_project`` changed (or, with ``dry_run``, would change).

    Paths are relative to the project.
    """

    path: Path
    template_src: str
    from_version: str
    to_version: str
    dry_run: bool
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    removed_modified: tuple[str, ...] = ()
    """Files the new render removes although the team had modified them (kept as conflicts)."""
    changelog: tuple[VersionNote, ...] = ()
    migrations: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    """``(old, new)`` pairs: the template's renames, followed by the team's edits."""
    skipped: tuple[str, ...] = ()
    """Files the team deleted whose template changes were not applied (they stay deleted)."""
    excluded: tuple[str, ...] = ()
    """Files the project owns (``[tool.mlops-new] exclude``, the template's ``_skip_if_exists``)
    that the update left alone."""
    reconciled: tuple[tuple[str, str, str, str], ...] = ()
    """``(path, pin, kept, dropped)``: version pins both sides bumped (a dependency bot
    here, a release there), resolved to the higher version instead of a conflict."""
    ignored: tuple[str, ...] = ()
    """Git-ignored files the template manages that were 3-way merged on disk."""
    new_answers: dict[str, Any] = field(default_factory=dict)
    """New questions and the answers taken (defaults unless given)."""
    relocked: bool = False
    """``uv.lock`` was refreshed because ``pyproject.toml`` changed."""
    warnings: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    """The template's ``_message_before_update`` and ``_message_after_update``, rendered."""
    patch: str = ""
    """The result as a unified diff (``--diff``)."""

    _derived = ("up_to_date",)

    @property
    def up_to_date(self) -> bool:
        return not (self.changed or self.added or self.removed or self.conflicts or self.renamed)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UpdateResult:
        """The result back from :meth:`to_json` (the update journal keeps it)."""
        known = {f for f in cls.__dataclass_fields__ if f != "_derived"}
        values = {key: value for key, value in data.items() if key in known}
        for key, value in values.items():
            if isinstance(value, list):
                values[key] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        values["path"] = Path(values["path"])
        values["changelog"] = tuple(VersionNote(**note) for note in data.get("changelog", ()))
        return cls(**values)


@dataclass(frozen=True)
class VersionsResult(JsonResult):
    """The versions a template source offers, newest first."""

    template_src: str
    versions: tuple[VersionNote, ...]
    project_version: str | None


@dataclass(frozen=True)
class DiffResult(JsonResult):
    """Drift between a project and a pristine render of its own template version."""

    path: Path
    template_version: str
    modified: tuple[str, ...]
    added: tuple[str, ...]
    deleted: tuple[str, ...]
    patch: str

    _derived = ("drifted",)

    @property
    def drifted(self) -> bool:
        """Template files were modified or deleted (added files are the team's own)."""
        return bool(self.modified or self.deleted)


@dataclass(frozen=True)
class RestoreResult(JsonResult):
    """Files brought back exactly as the project's template version renders them."""

    path: Path
    template_version: str
    restored: tuple[str, ...]


@dataclass(frozen=True)
class LinkResult(JsonResult):
    """An existing repository adopted at a template version."""

    path: Path
    template_src: str
    template_version: str
    answers: dict[str, Any]
    git_commit: str


@dataclass(frozen=True)
class Question:
    """One question of a template, as its copier.yml declares it."""

    name: str
    type: str
    help: str
    choices: tuple[str, ...]
    default: Any
    """As declared: a value, or a Jinja expression over earlier answers."""
    asked: str
    """``always``, ``derived`` (never asked) or ``when <expression>``."""


@dataclass(frozen=True)
class QuestionsResult(JsonResult):
    """The questions a template asks (``mlops-new questions``)."""

    template_src: str
    template_version: str
    questions: tuple[Question, ...] = ()
