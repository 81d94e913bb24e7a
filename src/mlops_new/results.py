"""Frozen result objects returned by the core and rendered by ``cli._output``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CreateResult:
    """What ``create_project`` made."""

    path: Path
    template_src: str
    template_version: str
    answers: dict[str, Any]
    git_commit: str
    locked: bool
    fallback_identity: bool
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["warnings"] = list(self.warnings)
        return data


@dataclass(frozen=True)
class VersionNote:
    """One template version with its one-line summary."""

    version: str
    summary: str


@dataclass(frozen=True)
class UpdateResult:
    """What ``update_project`` changed (or, with ``dry_run``, would change)."""

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
    """Files the template removed although the team had modified them."""
    changelog: tuple[VersionNote, ...] = ()
    migrations: tuple[str, ...] = ()

    @property
    def up_to_date(self) -> bool:
        return not (self.changed or self.added or self.removed or self.conflicts)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["up_to_date"] = self.up_to_date
        return data


@dataclass(frozen=True)
class VersionsResult:
    """The versions a template source offers, newest first."""

    template_src: str
    versions: tuple[VersionNote, ...]
    project_version: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DiffResult:
    """Drift between a project and a pristine render of its own template version."""

    path: Path
    template_version: str
    modified: tuple[str, ...]
    added: tuple[str, ...]
    deleted: tuple[str, ...]
    patch: str

    @property
    def drifted(self) -> bool:
        return bool(self.modified or self.added or self.deleted)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["drifted"] = self.drifted
        return data


@dataclass(frozen=True)
class RestoreResult:
    """Files brought back exactly as the project's template version renders them."""

    path: Path
    template_version: str
    restored: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


@dataclass(frozen=True)
class LinkResult:
    """An existing repository adopted at a template version."""

    path: Path
    template_src: str
    template_version: str
    answers: dict[str, Any]
    git_commit: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data
