"""An update's plan, computed entirely off-tree: renders, the merge, and what would change.

The dry run stops here; a real update hands the plan to ``applier``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_new import ignored, merge, render, trees
from mlops_new.answers import ANSWERS_FILE
from mlops_new.bounded import read_yaml
from mlops_new.git import git, run
from mlops_new.project import Project, relpath_in_repo
from mlops_new.source import TemplateRef, bare


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


def make_plan(
    project: Project,
    refs: tuple[TemplateRef, TemplateRef],
    answers: Mapping[str, Any],
    *,
    defaults: bool,
    trust: bool,
) -> Plan:
    """Render both sides, merge them with ``HEAD``, and say what the result changes."""
    current, target = refs
    repo = project.repo_root
    prefix = "" if relpath_in_repo(project) == "." else relpath_in_repo(project)
    head = git("rev-parse", "--verify", "HEAD", cwd=repo)
    head_tree = trees.head_tree(repo)
    excluded = exclude_matcher(project.path)
    with render.rendered_pair(
        render.Request(current, project.user_answers),
        render.Request(target, answers, defaults=defaults, trust=trust),
    ) as (base_dir, theirs_dir):
        tracked = set(trees.entries(repo, head_tree, prefix))
        rendered = _files(base_dir) | _files(theirs_dir)
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
        )
        merged = merge.merge(repo, sides, prefix, excluded)
        disk = ignored.merge_on_disk(project.path, on_disk, base_dir, theirs_dir)
        theirs_answers = _answers(theirs_dir)
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
    )


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


def _answers(render_dir: Path) -> dict[str, Any]:
    """The answers file a render wrote (``{}`` without one)."""
    path = render_dir / ANSWERS_FILE
    loaded = read_yaml(path) if path.is_file() else None
    return {str(k): v for k, v in loaded.items()} if isinstance(loaded, dict) else {}


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


def exclude_matcher(project: Path) -> Callable[[str], bool]:
    """Whether a project-relative path is one the project owns (``[tool.mlops-new] exclude``)."""
    patterns = _exclude_patterns(project)
    if not patterns:
        return lambda _path: False
    compiled = [re.compile(_glob(pattern)) for pattern in patterns]
    return lambda path: any(regex.fullmatch(path) for regex in compiled)


def _exclude_patterns(project: Path) -> list[str]:
    from mlops_new.config import tomllib  # type: ignore[attr-defined]  # noqa: PLC0415

    path = project / "pyproject.toml"
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, RecursionError, tomllib.TOMLDecodeError):
        return []  # nested too deeply, or not TOML: no exclusions (the update says nothing)
    table = data.get("tool", {}).get("mlops-new", {})
    found = table.get("exclude", []) if isinstance(table, dict) else []
    return [str(item) for item in found if isinstance(item, str)] if isinstance(found, list) else []


def _glob(pattern: str) -> str:
    """A gitignore-like glob as a regex: ``**`` any depth, ``*``/``?`` within a name; a folder
    matches everything under it."""
    pattern = pattern.strip().lstrip("/")
    out = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**", index):
            out += ".*"
            index += 2
        elif pattern[index] == "*":
            out += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            out += "[^/]"
            index += 1
        else:
            out += re.escape(pattern[index])
            index += 1
    return out.rstrip("/") + "(/.*)?"
