"""An update's plan, computed entirely off-tree: renders, the merge, and what would change.

The dry run stops here; a real update hands the plan to ``applier``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_new.core.git import git, run
from mlops_new.engine import ignored, merge, steps, trees
from mlops_new.project import pyproject
from mlops_new.project.model import Project, relpath_in_repo
from mlops_new.project.pyproject import glob_regex
from mlops_new.templates import render, schema
from mlops_new.templates.source import TemplateRef, bare


@dataclass(frozen=True)
class Changes:
    """Paths (relative to the project) the result changes against ``HEAD``."""

    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Plan:
    """Everything an update will do, before it does any of it."""

    project: Project
    head: str
    head_tree: str
    prefix: str
    merged: merge.Merged
    changes: Changes
    disk: tuple[ignored.DiskChange, ...]
    new_answers: dict[str, Any] = field(default_factory=dict)
    to_version: str = ""
    unfollowed: tuple[str, ...] = ()
    """Files the base render has and the new one lacks, when the answers changed: they
    stop following the template (removed, or modify/delete conflicts where edited)."""
    messages: tuple[str, ...] = ()
    """The template's ``_message_before_update`` and ``_message_after_update``, rendered."""


def make_plan(
    project: Project,
    refs: tuple[TemplateRef, TemplateRef],
    answers: Mapping[str, Any],
    *,
    defaults: bool,
    trust: bool,
    base_answers: Mapping[str, Any] | None = None,
) -> Plan:
    """Render both sides, merge them with ``HEAD``, and say what the result changes.

    A recorded answer to a question the new answers no longer ask (``docker`` once
    ``serving=none``) is dropped, as a fresh render with the new answers would: the
    target is rendered again without it, so the files it added go.  ``base_answers``
    (default: the recorded ones) are the answers the project's files were rendered with.
    """
    current, target = refs
    recorded = project.user_answers if base_answers is None else base_answers
    base = render.Request(current, recorded, trust=trust)  # its extensions too (copier-uv)
    theirs = render.Request(target, answers, defaults=defaults, trust=trust)
    kept = _kept_once_there(schema.skip_if_exists(target), answers)
    with render.rendered_pair(base, theirs) as (base_dir, theirs_dir):
        asked = _still_asked(project, answers, render.answers_of(theirs_dir))
        if asked is None:
            found = _plan(project, target, base_dir, theirs_dir, kept)
    if asked is not None:
        theirs = render.Request(target, asked, defaults=defaults, trust=trust)
        with render.rendered_pair(base, theirs) as (base_dir, theirs_dir):
            found = _plan(project, target, base_dir, theirs_dir, kept)
    return replace(found, messages=_messages(target, project, asked or answers))


def _messages(target: TemplateRef, project: Project, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The template's update messages, rendered in a sandbox with the answers (as copier
    renders them for `copier update`); one that cannot be rendered is shown as written."""
    context = {**answers, "_copier_operation": "update", "_folder_name": project.path.name}
    shown = []
    for text in schema.update_messages(target):
        message = text
        with contextlib.suppress(Exception):  # copier's own filters may be missing here
            message = steps.render(text, context)
        if message.strip():
            shown.append(message.strip("\n"))
    return tuple(shown)


def _kept_once_there(
    patterns: tuple[str, ...], answers: Mapping[str, Any]
) -> Callable[[str], bool]:
    """Whether a path matches the template's ``_skip_if_exists`` (its Jinja rendered with the
    answers in a sandbox, as copier renders it): such a file, once the project has it, is
    the project's, as an excluded one is."""
    rendered = []
    for pattern in patterns:
        text = pattern
        if "{{" in pattern or "{%" in pattern:
            try:
                text = steps.render(pattern, answers)
            except Exception:  # noqa: BLE001, S112  (a pattern copier could not render either)
                continue
        rendered.append(text)
    compiled = [re.compile(glob_regex(p)) for p in rendered if p.strip()]
    return lambda path: any(regex.fullmatch(path) for regex in compiled)


def _still_asked(
    project: Project, answers: Mapping[str, Any], recorded: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``answers`` without the recorded ones the new render did not ask (``None``: none)."""
    dropped = {name for name in project.user_answers if name not in recorded}
    if not dropped:
        return None
    kept = {name: value for name, value in answers.items() if name not in dropped}
    return {**{k: v for k, v in recorded.items() if not k.startswith("_")}, **kept}


def _plan(
    project: Project,
    target: TemplateRef,
    base_dir: Path,
    theirs_dir: Path,
    kept: Callable[[str], bool],
) -> Plan:
    """The plan from the two renders (inside their context: the folders still exist)."""
    repo = project.repo_root
    prefix = "" if relpath_in_repo(project) == "." else relpath_in_repo(project)
    head = git("rev-parse", "--verify", "HEAD", cwd=repo)
    head_tree = trees.head_tree(repo)
    excludes = pyproject.load(project.path).excludes
    head_entries = trees.entries(repo, head_tree, prefix)
    tracked = set(head_entries)

    def excluded(name: str) -> bool:
        return excludes(name) or (name in tracked and kept(name))

    rendered = _files(base_dir) | _files(theirs_dir)
    ignored.refuse_submodules(
        {name for name in rendered if not excluded(name)},
        {name for name, entry in head_entries.items() if entry.mode == "160000"},
    )
    untracked = {name for name in rendered - tracked if not _under_a_file(name, tracked)}
    on_disk = {
        name for name in untracked if os.path.lexists(project.path / name)
    } | ignored.ignored_paths(project.path, untracked)
    on_disk = {name for name in on_disk if not excluded(name)}
    sides = merge.Sides(
        base=_tree(repo, base_dir, on_disk, head_tree, prefix),
        ours=head_tree,
        theirs=_tree(repo, theirs_dir, on_disk, head_tree, prefix),
        theirs_label=f"template v{target.version or target.tag}",
        base_label=f"template v{project.version}",
    )
    merged = merge.merge(repo, sides, prefix, excluded)
    labels = (sides.ours_label, sides.base_label, sides.theirs_label)
    disk = ignored.merge_on_disk(project.path, on_disk, base_dir, theirs_dir, labels)
    theirs_answers = render.answers_of(theirs_dir)
    unfollowed = _unfollowed(base_dir, theirs_dir, render.answers_of(base_dir), theirs_answers)
    new_answers = {
        k: v
        for k, v in theirs_answers.items()
        if not k.startswith("_") and k not in project.answers
    }
    recorded = str(theirs_answers.get("_commit", ""))
    changes = diff(repo, head_tree, merged.tree, prefix)
    ignored.refuse_symlinked(project.path, [change.path for change in disk])
    ignored.refuse_hidden_edits(
        project.path,
        [
            *changes.changed,
            *changes.removed,
            *(name for pair in changes.renamed for name in pair),
            *_relative(merged.conflicts, prefix),
        ],
    )
    return Plan(
        project=project,
        head=head,
        head_tree=head_tree,
        prefix=prefix,
        merged=merged,
        changes=changes,
        disk=tuple(disk),
        new_answers=new_answers,
        to_version=bare(recorded) or recorded or target.version,
        unfollowed=unfollowed,
    )


def _unfollowed(
    base_dir: Path, theirs_dir: Path, base: Mapping[str, Any], theirs: Mapping[str, Any]
) -> tuple[str, ...]:
    """The base's files the new render lacks, when a user answer changed (else none).

    A question the target adds is no change; one the new answers no longer ask is.
    """
    if all(k in theirs and theirs[k] == base[k] for k in base if not k.startswith("_")):
        return ()
    return tuple(sorted(_files(base_dir) - _files(theirs_dir)))


def _under_a_file(name: str, tracked: set[str]) -> bool:
    """Whether a folder of ``name`` is a tracked file or symlink (the tree merge decides)."""
    parts = name.split("/")
    return any("/".join(parts[:end]) in tracked for end in range(1, len(parts)))


def _relative(paths: Mapping[str, object], prefix: str) -> list[str]:
    lead = f"{prefix}/" if prefix else ""
    return [path[len(lead) :] for path in paths if path.startswith(lead)]


def _files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() or path.is_symlink()
    }


def _tree(repo: Path, folder: Path, skip: set[str], head_tree: str, prefix: str) -> str:
    entries = trees.folder_entries(repo, folder, skip)
    return trees.build_tree(repo, entries, base=head_tree, prefix=prefix)


def diff(repo: Path, before: str, after: str, prefix: str) -> Changes:
    """What ``after`` changes against ``before`` under ``prefix`` (renames followed)."""
    args = ["diff-tree", "-r", "-z", "-M", "--name-status", before, after]
    out = run(*args, *(["--", prefix] if prefix else []), cwd=repo).stdout
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    lead = f"{prefix}/" if prefix else ""
    groups: dict[str, list[str]] = {"M": [], "A": [], "D": []}
    renamed: list[tuple[str, str]] = []
    index = 0
    while index < len(fields) - 1:
        status, index = fields[index], index + 1
        if status.startswith(("R", "C")):
            old, new = fields[index][len(lead) :], fields[index + 1][len(lead) :]
            renamed.append((old, new))
            index += 2
            continue
        groups.setdefault(status[:1], []).append(fields[index][len(lead) :])
        index += 1
    return Changes(
        changed=tuple(sorted(groups["M"] + groups.get("T", []))),
        added=tuple(sorted(groups["A"])),
        removed=tuple(sorted(groups["D"])),
        renamed=tuple(sorted(renamed)),
    )


def patch(repo: Path, before: str, after: str, prefix: str) -> str:
    """The result as a unified diff (``update --diff``), paths relative to the project."""
    args = ["diff-tree", "-p", "-M", "--no-color", "--no-ext-diff", "--binary"]
    if prefix:
        args += [f"--relative={prefix}"]
    out = run(*args, before, after, cwd=repo).stdout
    return out.decode("utf-8", "replace")
