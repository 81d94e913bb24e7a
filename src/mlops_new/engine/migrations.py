"""Version-gated migration steps of the bundled template.

A migration is plain Python that runs after the template update to (or past)
its version, for changes a 3-way merge cannot express: moving a file the team
edits, renaming an answer, rewriting a config key. They run in version order
on multi-version jumps, each with the versions it migrates between. Old
template versions never import from here: migrations belong to mlops-new, not
to the template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_new import __version__
from mlops_new.core import semver


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
    low, high = semver.parse(old), semver.parse(new)
    selected = [step for step in steps if low < semver.parse(step.version) <= high]
    return sorted(selected, key=lambda step: semver.parse(step.version))


def run(steps: Sequence[Migration], project: Path, old: str, new: str) -> list[str]:
    """Run the due steps in order; return their descriptions."""
    done = []
    for step in due(steps, old, new):
        step.apply(project, old, new)
        done.append(f"v{step.version}: {step.description}")
    return done


PINNED_SINCE = "0.4.0"
"""First bundled version whose hook, CI and template sync pin ``mlops_new_version``."""
OLDEST_PYTHON = {"0.4.0": ("3.10", "3.11")}
"""Versions that dropped a ``python_version`` choice: (dropped, its replacement)."""


def migrate_answers(
    answers: Mapping[str, Any], old: str, new: str, *, mlops_new_source: str = ""
) -> dict[str, Any]:
    """The answers to render bundled version ``new`` with, from a project on ``old``.

    Runs before the render (a 3-way merge cannot rewrite an answer): an update
    moves the pin to the running mlops-new, keeps a recorded mlops-new source
    (else takes the settings'), and moves a Python version the new template no
    longer offers to its replacement. ``old``/``new`` empty: another template,
    answers unchanged.
    """
    migrated = dict(answers)
    if not (semver.is_version(old) and semver.is_version(new)):
        return migrated
    low, high = semver.parse(old), semver.parse(new)
    if high >= semver.parse(PINNED_SINCE):
        migrated["mlops_new_version"] = __version__
        migrated.setdefault("mlops_new_source", mlops_new_source)
    for version, (dropped, replacement) in OLDEST_PYTHON.items():
        crossed = low < semver.parse(version) <= high
        if crossed and str(migrated.get("python_version")) == dropped:
            migrated["python_version"] = replacement
    return migrated
