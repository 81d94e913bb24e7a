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
