"""Version-gated migration steps of the bundled template.

A migration is plain Python that runs after the template update to (or past)
its version, for changes a 3-way merge cannot express: moving a file the team
edits, renaming an answer, rewriting a config key. They run in version order
on multi-version jumps, each with the versions it migrates between. Old
template versions never import from here: migrations belong to mlops-new, not
to the template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlops_new import versions


@dataclass(frozen=True)
class Migration:
    """A step that runs when an update crosses ``version``."""

    version: str
    description: str
    apply: Callable[[Path, str, str], None]
    """``apply(project_path, from_version, to_version)``."""


MIGRATIONS: tuple[Migration, ...] = ()
"""The bundled template's migrations (none needed so far)."""


def due(steps: Sequence[Migration], old: str, new: str) -> list[Migration]:
    """The steps with ``old < version <= new``, oldest first."""
    low, high = versions.parse(old), versions.parse(new)
    selected = [step for step in steps if low < versions.parse(step.version) <= high]
    return sorted(selected, key=lambda step: versions.parse(step.version))


def run(steps: Sequence[Migration], project: Path, old: str, new: str) -> list[str]:
    """Run the due steps in order; return their descriptions."""
    done = []
    for step in due(steps, old, new):
        step.apply(project, old, new)
        done.append(f"v{step.version}: {step.description}")
    return done
