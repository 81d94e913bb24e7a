"""The 3-way merge of an update, computed off-tree with ``git merge-tree`` (ort).

base = the project's recorded version rendered with its recorded answers,
ours = ``HEAD``, theirs = the target version rendered with the new answers.
Git 2.39 has no ``--merge-base``: ours and theirs become dangling child
commits of a dangling base commit, so merge-tree finds the base itself.

Policy on top of ort: a file the team deleted stays deleted (the template's
change to it is reported as skipped); a file the team edited and the new
render removes stays as a modify/delete conflict; paths the project excludes
keep their ``HEAD`` state.  Nothing in the working tree or index changes here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mlops_new.core.git import GitError, run
from mlops_new.engine import reconcile, trees

ZERO = "0" * 40


@dataclass(frozen=True)
class Stage:
    """One side of a conflicted path in the index: ``mode oid stage path`` (repo-relative)."""

    mode: str
    oid: str
    stage: int
    path: str


@dataclass(frozen=True)
class Merged:
    """The merge's outcome: the whole repository's result tree and what needs a person."""

    tree: str
    conflicts: dict[str, tuple[Stage, ...]] = field(default_factory=dict)
    """Repo-relative path -> its index stages (the tree holds it with markers)."""
    skipped: tuple[str, ...] = ()
    removed_modified: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    reconciled: tuple[tuple[str, reconcile.Reconciled], ...] = ()
    """(path, pin) for each conflict block both sides made by bumping one version pin:
    resolved to the higher version (``engine.reconcile``)."""


@dataclass(frozen=True)
class Sides:
    """The three trees of a merge (whole-repository trees) and the marker labels."""

    base: str
    ours: str
    theirs: str
    ours_label: str = "before updating"
    theirs_label: str = "template"
    base_label: str = "template base"
    """The ``|||||||`` label of ``merge.conflictStyle=diff3``/``zdiff3`` (git abbreviates
    the base commit's id there)."""


def merge(repo: Path, sides: Sides, prefix: str, excluded: Callable[[str], bool]) -> Merged:
    """Merge ``sides`` in ``repo``; ``prefix`` is the project's folder ("" at the root)."""
    base = trees.commit(repo, sides.base)
    ours = trees.commit(repo, sides.ours, base)
    theirs = trees.commit(repo, sides.theirs, base)
    proc = run("merge-tree", "--write-tree", "-z", ours, theirs, cwd=repo, check=False)
    if proc.returncode not in (0, 1):
        raise GitError(f"git merge-tree failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    result, stages = _parse(proc.stdout.decode("utf-8", "surrogateescape"))
    lead = f"{prefix}/" if prefix else ""
    kept, below = _replaced_folders(repo, result, sides.ours, stages)
    stages = {p: s for p, s in stages.items() if p not in below}
    below += [p for p in _added_in_deleted_folders(repo, sides, result, stages) if p not in below]
    team_deleted = [path for path, found in stages.items() if _numbers(found) == {1, 3}]
    removed_modified = [path for path, found in stages.items() if _numbers(found) == {1, 2}]
    changed = _changed(repo, sides.ours, result, prefix)
    owned = sorted(
        path
        for path in {*changed, *stages}
        if path.startswith(lead) and excluded(path[len(lead) :])
    )
    conflicts = {p: s for p, s in stages.items() if p not in team_deleted and p not in owned}
    labels = {ours: sides.ours_label, theirs: sides.theirs_label, base: sides.base_label}
    resolved, reconciled = _reconcile(repo, result, conflicts)
    conflicts = {p: s for p, s in conflicts.items() if p not in resolved or resolved[p][1]}
    policy = Policy(
        team_deleted=[*team_deleted, *below],
        owned=owned,
        kept=kept,
        rewritten={path: oid for path, (oid, _) in resolved.items()},
    )
    tree = _final_tree(repo, result, sides.ours, policy, conflicts, labels)
    return Merged(
        tree=tree,
        conflicts=conflicts,
        skipped=_relative(
            [*team_deleted, *(path for path in below if "~" not in path.rsplit("/", 1)[-1])], lead
        ),
        removed_modified=_relative([p for p in removed_modified if p in conflicts], lead),
        excluded=_relative(owned, lead),
        reconciled=tuple(
            (path[len(lead) :], note) for path, note in reconciled if path.startswith(lead)
        ),
    )


def _reconcile(
    repo: Path, result: str, conflicts: dict[str, tuple[Stage, ...]]
) -> tuple[dict[str, tuple[str, int]], list[tuple[str, reconcile.Reconciled]]]:
    """Content conflicts whose pin-only blocks resolve: path -> (new blob, blocks left)."""
    merged = trees.entries(repo, result) if conflicts else {}
    resolved: dict[str, tuple[str, int]] = {}
    notes: list[tuple[str, reconcile.Reconciled]] = []
    for path, found in conflicts.items():
        entry = merged.get(path)
        if _numbers(found) != {1, 2, 3} or entry is None or entry.mode == "120000":
            continue
        outcome = reconcile.resolve(trees.read_blob(repo, entry.oid), path)
        if outcome is not None:
            resolved[path] = (trees.write_blob(repo, outcome.text), outcome.conflicts_left)
            notes += [(path, note) for note in outcome.reconciled]
    return resolved, notes


@dataclass(frozen=True)
class Policy:
    """What mlops-new changes in ort's result: paths to delete, keep at ``HEAD``, put back."""

    team_deleted: list[str]
    owned: list[str]
    kept: list[str]
    """Files (a symlink, say) the team put where the template has a folder: back in place."""
    rewritten: dict[str, str] = field(default_factory=dict)
    """Conflicted files with their version-pin blocks resolved: path -> the new blob."""


_DF_RENAME = re.compile(r"^(.+)~[0-9a-f]{40}$")


def _replaced_folders(
    repo: Path, result: str, ours: str, stages: dict[str, tuple[Stage, ...]]
) -> tuple[list[str], list[str]]:
    """The team's files ort moved aside (``docs~<commit>``) for the template's folder.

    The team replaced the folder (with a symlink, or a file): like a deleted file, it stays
    so, and the template's files below it are skipped.  Returns the paths put back and the
    paths (below them, and the moved-aside names) the result drops.
    """
    moved = {
        match.group(1): path
        for path in stages
        if (match := _DF_RENAME.match(path)) and {s.stage for s in stages[path]} == {2}
    }
    if not moved:
        return [], []
    head = trees.entries(repo, ours)
    kept = [name for name, aside in moved.items() if head.get(name) is not None
            and head[name].oid == stages[aside][0].oid]  # fmt: skip
    listed = {*trees.entries(repo, result), *stages}
    below = sorted(path for path in listed for name in kept if path.startswith(f"{name}/"))
    return kept, [*below, *(moved[name] for name in kept)]


def _folders(paths: Iterable[str]) -> set[str]:
    return {path.rsplit("/", depth)[0] for path in paths for depth in range(1, path.count("/") + 1)}


def _added_in_deleted_folders(
    repo: Path, sides: Sides, result: str, stages: dict[str, tuple[Stage, ...]]
) -> list[str]:
    """Files the template adds in a folder the team deleted (``git rm -r tests``).

    The folder stays deleted, as its files do: a new file in it is skipped too (``mlops-new
    restore`` brings any back), rather than the folder coming back with only the new files.
    """
    base, head = trees.entries(repo, sides.base), trees.entries(repo, sides.ours)
    deleted = _folders(base) - _folders(head)
    if not deleted:
        return []
    added = [p for p in trees.entries(repo, result) if p not in head and p not in base]
    return sorted(path for path in added if path not in stages and _folders([path]) & deleted)


def _numbers(found: tuple[Stage, ...]) -> set[int]:
    return {stage.stage for stage in found}


def _relative(paths: list[str], lead: str) -> tuple[str, ...]:
    return tuple(sorted(path[len(lead) :] for path in paths if path.startswith(lead)))


def _parse(out: str) -> tuple[str, dict[str, tuple[Stage, ...]]]:
    """merge-tree's ``-z`` output -> (result tree, conflicted paths with their stages)."""
    parts = out.split("\0")
    tree = parts[0]
    stages: dict[str, list[Stage]] = {}
    for record in parts[1:]:
        if not record:
            break  # the informational messages follow: the stages say all we need
        meta, _, path = record.partition("\t")
        mode, oid, number = meta.split()
        stages.setdefault(path, []).append(Stage(mode, oid, int(number), path))
    return tree, {path: tuple(found) for path, found in stages.items()}


def _changed(repo: Path, before: str, after: str, prefix: str) -> list[str]:
    args = ["diff-tree", "-r", "-z", "--no-renames", "--name-only", before, after]
    if prefix:
        args += ["--", prefix]
    out = run(*args, cwd=repo).stdout.decode("utf-8", "surrogateescape")
    return [name for name in out.split("\0") if name]


def _final_tree(
    repo: Path,
    result: str,
    ours: str,
    policy: Policy,
    conflicts: dict[str, tuple[Stage, ...]],
    labels: dict[str, str],
) -> str:
    """``result`` with the policy applied and readable conflict-marker labels."""
    if not (policy.team_deleted or policy.owned or conflicts or policy.kept or policy.rewritten):
        return result
    head = trees.entries(repo, ours)
    lines = [f"0 {ZERO}\t{path}" for path in policy.team_deleted]
    lines += [f"{head[path].mode} {head[path].oid}\t{path}" for path in policy.kept]
    for path in policy.owned:
        kept = head.get(path)
        lines.append(f"{kept.mode} {kept.oid}\t{path}" if kept else f"0 {ZERO}\t{path}")
    merged = trees.entries(repo, result)
    for path, oid in policy.rewritten.items():
        if path not in conflicts:
            lines.append(f"{merged[path].mode} {oid}\t{path}")
    for path in conflicts:
        entry = merged.get(path)
        if entry is not None and entry.mode != "120000":
            oid = _relabel(repo, policy.rewritten.get(path, entry.oid), labels)
            lines.append(f"{entry.mode} {oid}\t{path}")
    with trees.temp_index(repo) as env:
        run("read-tree", result, cwd=repo, env=env)
        data = "".join(f"{line}\0" for line in lines).encode("utf-8", "surrogateescape")
        run("update-index", "-z", "--index-info", cwd=repo, env=env, input=data)
        return run("write-tree", cwd=repo, env=env).stdout.decode().strip()


_MARKER = re.compile(rb"^(<<<<<<<|>>>>>>>|\|\|\|\|\|\|\|) ([0-9a-f]{4,40})\b", re.MULTILINE)


def _relabel(repo: Path, oid: str, labels: dict[str, str]) -> str:
    """The blob ``oid`` with commit ids (full or abbreviated) in its markers replaced by words."""
    data = trees.read_blob(repo, oid)

    def word(match: re.Match[bytes]) -> bytes:
        given = match.group(2).decode()
        found = [label for commit, label in labels.items() if commit.startswith(given)]
        if len(found) != 1:
            return match.group(0)
        return match.group(1) + b" " + found[0].encode("utf-8")

    relabelled = _MARKER.sub(word, data)
    return oid if relabelled == data else trees.write_blob(repo, relabelled)
