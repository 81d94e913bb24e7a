"""Another template's own update steps, run only under ``update --trust``: its ``_migrations``
crossed by the update and its ``_tasks``, as copier runs them.

They run in the project after the merge is applied (and before ``uv lock``),
migrations first (oldest first), then tasks, each rendered with the answers in
Jinja's sandbox (``_copier_operation`` is ``update``, ``_stage`` is ``after``,
``_version_from``/``_version_to`` the versions) and run with the user's
environment plus copier's ``STAGE`` and ``VERSION_FROM``/``VERSION_TO``/
``VERSION_CURRENT``. A step whose ``when`` is false is left out. A failing step
fails the update, which is then rolled back: nothing half-migrated stays.

mlops-new merges off-tree and applies once, so there is no moment "before the
update" in the project: a crossed migration that runs only before it
(``when: "{{ _stage == 'before' }}"``, or copier's older ``before:`` lists) is
refused before anything changes, naming it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_new.core import semver
from mlops_new.core.errors import UserError, shown
from mlops_new.core.git import Trust, environment, git


@dataclass(frozen=True)
class Step:
    """One command to run: a migration of ``version``, or a task (``version`` empty)."""

    command: str | list[str]
    working_directory: str = "."
    version: str = ""

    @property
    def label(self) -> str:
        text = self.command if isinstance(self.command, str) else " ".join(self.command)
        return f"v{self.version}: {text}" if self.version else f"task: {text}"


def due(
    config: Mapping[str, Any], old: str, new: str, answers: Mapping[str, Any], folder_name: str
) -> list[Step]:
    """The template's crossed migrations and its tasks, rendered, in the order they run."""
    context = {
        **answers,
        "_copier_operation": "update",
        "_version_from": old,
        "_version_to": new,
        "_folder_name": folder_name,
    }
    return [*_migrations(config, old, new, context), *_tasks(config, context)]


def _migrations(
    config: Mapping[str, Any], old: str, new: str, context: dict[str, Any]
) -> list[Step]:
    low, high = semver.order(old), semver.order(new)
    entries = config.get("_migrations") or []
    if low is None or high is None or not isinstance(entries, list):
        return []
    crossed = []
    for entry in entries:
        version = semver.order(str(entry.get("version", ""))) if isinstance(entry, dict) else None
        if version is not None and low < version <= high:
            crossed.append((version, entry))
    after = {**context, "_stage": "after"}
    steps = []
    for _, entry in sorted(crossed, key=lambda pair: pair[0]):
        name = str(entry["version"]).removeprefix("v")
        if "command" in entry:  # copier 9's form: one command, its `when` picks the stage
            when = entry.get("when", "{{ _stage == 'after' }}")
            if _true(when, {**context, "_stage": "before"}):
                raise _before_only(name)
            commands = [entry["command"]] if _true(when, after) else []
        elif entry.get("before"):  # the older form's lists
            raise _before_only(name)
        else:
            commands = entry.get("after") or []
        steps += [_step(command, entry, after, name) for command in commands]
    return steps


def _tasks(config: Mapping[str, Any], context: dict[str, Any]) -> list[Step]:
    entries = config.get("_tasks") or []
    entries = [entries] if isinstance(entries, str) else entries
    steps = []
    for entry in entries if isinstance(entries, list) else []:
        command = entry.get("command") if isinstance(entry, dict) else entry
        if command is None or not _true(
            entry.get("when", True) if isinstance(entry, dict) else True, context
        ):
            continue
        steps.append(_step(command, entry if isinstance(entry, dict) else {}, context, ""))
    return steps


def _step(command: Any, entry: Mapping[str, Any], context: dict[str, Any], version: str) -> Step:
    folder = render(str(entry.get("working_directory", ".")), context)
    if isinstance(command, list):
        return Step([render(str(part), context) for part in command], folder, version)
    return Step(render(str(command), context), folder, version)


def render(text: str, context: Mapping[str, Any]) -> str:
    """``text`` rendered in Jinja's sandbox with ``context`` (a template's commands, update
    messages and ``_skip_if_exists`` patterns); Jinja's errors are the caller's."""
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment().from_string(text).render(**context)


def _true(when: Any, context: Mapping[str, Any]) -> bool:
    if isinstance(when, bool):
        return when
    rendered = render(str(when), context).strip().lower()
    return rendered not in ("", "false", "0", "no", "off", "none", "null", "n", "f")


def _before_only(version: str) -> UserError:
    return UserError(
        f"The update crosses the template's migration v{version}, which copier runs before "
        "updating; mlops-new merges off-tree and runs migrations after the merge only.",
        f"Run that step by hand, or update to the version before v{version} first.",
    )


def run(steps: list[Step], project: Path, old: str, new: str) -> list[str]:
    """Run ``steps`` in ``project``; their labels. A failing step raises :class:`UserError`,
    after undoing what the steps changed (the update's rollback then undoes the rest)."""
    before = _changed(project)
    try:
        return _run(steps, project, old, new)
    except BaseException:
        _undo(project, before)
        raise


def _changed(project: Path) -> set[str]:
    """Files of ``project`` that differ from the index, or are untracked and not ignored."""
    out = git("ls-files", "-z", "-m", "-o", "--exclude-standard", "--", ".", cwd=project)
    return {name for name in out.split("\0") if name}


def _undo(project: Path, before: set[str]) -> None:
    """Put back what the steps changed: tracked files from the index, new files removed."""
    tracked = set(git("ls-files", "-z", "--", ".", cwd=project).split("\0"))
    for name in sorted(_changed(project) - before):
        if name in tracked:
            git("checkout", "--quiet", "--", name, cwd=project, check=False)
        else:
            (project / name).unlink(missing_ok=True)


def _run(steps: list[Step], project: Path, old: str, new: str) -> list[str]:
    done = []
    for step in steps:
        folder = (project / step.working_directory).resolve()
        if not folder.is_relative_to(project.resolve()) or not folder.is_dir():
            raise UserError(
                f"The template's step '{shown(step.label, 120)}' runs in "
                f"'{shown(step.working_directory, 80)}', which is not a folder of the project.",
                "Fix the template's working_directory.",
            )
        stage = "migration" if step.version else "task"
        env = {
            **environment(Trust.TRUSTED_RENDER),
            "STAGE": stage if step.version else "task",
            "VERSION_FROM": old,
            "VERSION_TO": new,
            "VERSION_CURRENT": step.version or new,
        }
        shell = isinstance(step.command, str)
        # a template the user trusted (--trust), run as copier runs it
        proc = subprocess.run(
            step.command, shell=shell, cwd=folder, env=env, check=False, capture_output=True
        )
        if proc.returncode != 0:
            why = proc.stderr.decode("utf-8", "replace").strip().splitlines() or [""]
            raise UserError(
                f"The template's {stage} '{shown(step.label, 120)}' failed (exit "
                f"{proc.returncode}){': ' + shown(why[-1], 200) if why[-1] else ''}.",
                "Fix the template or the project, then update again.",
            )
        done.append(step.label)
    return done
