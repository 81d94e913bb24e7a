"""Apply an update's plan in one step, with a journal; abort or continue from that journal.

The index and working tree move from ``HEAD`` to the result tree with one
``git read-tree -m -u`` (git refuses to overwrite untracked files and never
writes through symlinks), conflicted paths get their index stages like
``git merge``, and ignored files are written from the journal's copies.

The ways out (``--abort``, ``--continue``, the rollback on an interrupt or an
error) have ``git merge --abort`` semantics scoped to what the update wrote:
the journal lists every path the update changes with its states before and
after; a way out moves only those paths, and only where a path is still in
the state the update left (or found) it.  A path changed since is kept and
reported.  ``HEAD`` and its branch must still be where the update left them.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from mlops_new.core import signals, worktree
from mlops_new.core.errors import UserError
from mlops_new.core.git import GitError, git, run
from mlops_new.engine import trees
from mlops_new.engine.ignored import DiskChange
from mlops_new.engine.merge import ZERO, Merged
from mlops_new.project import journal

INDEX_LOCK_WAIT = 3.0
"""Seconds to wait for another git process's ``index.lock`` before refusing."""


class ChangedSinceError(UserError):
    """A path the update writes changed after the update planned it."""


class HeadMovedError(UserError):
    """``HEAD`` (or its branch) is no longer where the update left it."""


class IndexLockedError(UserError):
    """Another git process holds the repository's ``index.lock``."""


def stage_lines(merged: Merged) -> list[str]:
    """Index lines that turn each conflicted path into its stages 1-3."""
    lines = []
    for path, stages in merged.conflicts.items():
        lines.append(f"0 {ZERO}\t{path}")
        lines += [f"{s.mode} {s.oid} {s.stage}\t{s.path}" for s in stages]
    return lines


def path_entries(repo: Path, record: journal.Journal) -> list[dict[str, Any]]:
    """``{path, before, after, stages}`` of every tracked path the update changes."""
    lead = f"{record.prefix}/" if record.prefix else ""
    before = trees.entries(repo, git("rev-parse", f"{record.old_head}^{{tree}}", cwd=repo))
    after = trees.entries(repo, record.tree)
    stages: dict[str, list[list[Any]]] = {}
    for line in record.stages:
        meta, _, name = line.partition("\t")
        mode, oid, *stage = meta.split()
        if stage:
            stages.setdefault(name, []).append([mode, oid, int(stage[0])])
    found = []
    for name in sorted(set(before) | set(after) | set(stages)):
        old, new = before.get(name), after.get(name)
        if not name.startswith(lead) or (old == new and name not in stages):
            continue
        found.append(
            {
                "path": name,
                "before": [old.mode, old.oid] if old else None,
                "after": [new.mode, new.oid] if new else None,
                "stages": stages.get(name, []),
            }
        )
    return found


def start(repo: Path, record: journal.Journal, disk: tuple[DiskChange, ...], project: Path) -> None:
    """Refuse paths changed since the plan, back up the ignored files, record the journal."""
    lead = f"{record.prefix}/" if record.prefix else ""
    record.branch = _branch(repo)
    record.paths = path_entries(repo, record)
    refuse_changed(repo, record, disk, project)
    wait_for_index_lock(repo)
    record.ref = _keep(repo, record)
    folder = journal.backup_dir(repo)
    _reset_folder(folder)
    for number, change in enumerate(disk):
        entry: dict[str, Any] = {
            "path": lead + change.path,
            "existed": change.existed,
            "backup": f"{number}.old",
            "new": f"{number}.new",
            "conflict": change.conflict,
        }
        if change.existed:
            old = worktree.read_regular(project, change.path)
            worktree.write_bytes(folder / entry["backup"], old or b"")
        worktree.write_bytes(folder / entry["new"], change.data)
        record.ignored.append(entry)
    journal.write(repo, record)


def refuse_changed(
    repo: Path, record: journal.Journal, disk: tuple[DiskChange, ...], project: Path
) -> None:
    """Stop, changing nothing, when a path the update writes is no longer as planned."""
    names = [entry["path"] for entry in record.paths]
    files, index = worktree.files(repo, names), worktree.index(repo, names)
    tracked = {entry["path"] for entry in record.paths if entry["before"]}
    for entry in record.paths:
        name, before = entry["path"], _file(entry["before"])
        found = files[name]
        if found == worktree.BLOCKED and before is None:  # below a tracked file git replaces
            found = None if worktree.below_symlink(repo, name) in tracked else found
        gitlink = before is not None and before[0] == "160000"
        if index[name] != _index_of(before) or (not gitlink and found != before):
            raise _changed(name, record.prefix)
    for change in disk:
        on_disk = worktree.read_regular(project, change.path)
        if on_disk != (change.ours if change.existed else None):
            raise _changed(f"{record.prefix}/{change.path}" if record.prefix else change.path, "")


def _changed(name: str, prefix: str) -> ChangedSinceError:
    shown = name[len(prefix) + 1 :] if prefix and name.startswith(f"{prefix}/") else name
    return ChangedSinceError(
        f"'{shown}' changed while the update was being prepared; nothing was changed.",
        "Commit or stash it, then run `mlops-new update` again.",
    )


def move(repo: Path, record: journal.Journal, *, resume: bool = False) -> list[str]:
    """Move index and working tree to the journal's tree; stage conflicts; write ignored files.

    With ``resume`` (``--continue``) only the journal's paths still as the update found them
    move; the others are kept and returned.
    """
    with signals.held():  # git children inherit the mask: an interrupt never cuts one in half
        if resume:
            verify_head(repo, record, "continue")
            return _settle(repo, record, forward=True)
        wait_for_index_lock(repo)
        try:
            run("read-tree", "-m", "-u", record.old_head, record.tree, cwd=repo)
        except GitError as exc:
            raise _refused(exc, record) from exc
        if record.stages:
            data = "".join(f"{line}\0" for line in record.stages).encode("utf-8", "surrogateescape")
            run("update-index", "-z", "--index-info", cwd=repo, input=data)
        return _settle_ignored(repo, record, forward=True)


def rollback(repo: Path, record: journal.Journal) -> list[str]:
    """Put the journal's paths back where the update found them; the kept ones are returned.

    Only paths still as the update left them are restored (index and working tree
    separately); nothing else in the repository is touched.
    """
    with signals.held():
        verify_head(repo, record, "abort")
        kept = _settle(repo, record, forward=False)
        journal.clear(repo, record)
    return kept


def verify_head(repo: Path, record: journal.Journal, action: str) -> None:
    """Refuse when ``HEAD`` or its branch moved since the update started."""
    head = git("rev-parse", "--verify", "--quiet", "HEAD", cwd=repo, check=False)
    old = record.old_head[:12]
    if head != record.old_head:
        if action == "abort":
            raise HeadMovedError(
                f"HEAD moved since the update started (now {head[:12] or 'unborn'}, the update "
                f"left {old}): it was committed, so there is nothing to abort; "
                "nothing was changed.",
                "Undo it with `git revert HEAD` (keeps history) or `git reset --keep "
                f"{old}` (unpublished commits only).",
            )
        raise HeadMovedError(
            f"HEAD moved since the update was interrupted (now {head[:12] or 'unborn'}, the "
            f"update left {old}); nothing was changed.",
            f"Go back with `git reset --keep {old}`, then run `mlops-new update --{action}`.",
        )
    branch = _branch(repo)
    if branch != record.branch:
        left = record.branch.removeprefix("refs/heads/") or "a detached HEAD"
        raise HeadMovedError(
            f"The update was made on {left}, but HEAD is now on "
            f"{branch.removeprefix('refs/heads/') or 'a detached HEAD'}; nothing was changed.",
            f"Switch back (`git switch {left}`), then run `mlops-new update --{action}`.",
        )


def wait_for_index_lock(repo: Path, wait: float | None = None) -> None:
    """Wait a moment for another git's ``index.lock``; refuse if it stays (never deleted)."""
    lock = Path(git("rev-parse", "--git-path", "index.lock", cwd=repo))
    lock = lock if lock.is_absolute() else repo / lock
    deadline = time.monotonic() + (INDEX_LOCK_WAIT if wait is None else wait)
    while lock.exists() or lock.is_symlink():
        if time.monotonic() >= deadline:
            raise IndexLockedError(
                f"'{lock}' exists: another git process is using the repository; "
                "stopped before changing git's index.",
                "Wait for it to finish and run the command again; if no git is running (a killed "
                "one left it), delete that file and run it again.",
            )
        time.sleep(0.1)


_MARKER = re.compile(rb"^(<{7}|>{7})( |$)", re.MULTILINE)


def conflict_markers(repo: Path, record: journal.Journal) -> list[str]:
    """The conflicted paths (tracked or ignored) whose file or staged copy still holds markers."""
    names = {line.partition("\t")[2] for line in record.stages}
    names |= {entry["path"] for entry in record.ignored if entry.get("conflict")}
    staged = worktree.index(repo, names)
    marked = []
    for name in sorted(names):
        copies = [worktree.read_regular(repo, name)]
        copies += [
            trees.read_blob(repo, oid) for mode, oid, _ in staged.get(name, ()) if mode != "160000"
        ]
        if any(data is not None and _MARKER.search(data) for data in copies):
            marked.append(name)
    return marked


def undone(repo: Path, record: journal.Journal) -> bool:
    """Whether every path the update changed is back in the index as the update found it."""
    entries = record.paths or path_entries(repo, record)
    index = worktree.index(repo, [entry["path"] for entry in entries])
    return bool(entries) and all(
        index[entry["path"]] == _index_of(_file(entry["before"])) for entry in entries
    )


def _refused(exc: GitError, record: journal.Journal) -> Exception:
    """read-tree refuses before it writes anything: name the path and the next step."""
    text = exc.message
    for marker in ("Entry '", "working tree file '", "would be overwritten by merge:\n\t"):
        if marker in text:
            name = text.split(marker, 1)[1].split("'", 1)[0].split("\n", 1)[0].strip()
            return _changed(name, record.prefix)
    if "index.lock" in text:
        return IndexLockedError(
            "Another git process holds the repository's index.lock; nothing was changed.",
            "Wait for it to finish, then retry.",
        )
    return exc


def _settle(repo: Path, record: journal.Journal, *, forward: bool) -> list[str]:
    entries = record.paths or path_entries(repo, record)
    sides = {entry["path"]: _sides(entry, forward=forward) for entry in entries}
    files = worktree.files(repo, sides)
    removals = [
        name
        for name, (source, target, _, _, gitlink) in sides.items()
        if target is None and source is not None and files[name] == source and not gitlink
    ]
    for name in removals:  # first: a folder may have to become a file, or a file a folder
        worktree.write(repo, name, None)
    worktree.remove_empty_folders(repo, removals, stop=repo / record.prefix)
    files = worktree.files(repo, sides)
    index = worktree.index(repo, sides)
    kept: list[str] = []
    index_writes: dict[str, worktree.Index] = {}
    for name, (source, target, source_index, target_index, gitlink) in sides.items():
        moved = gitlink or files[name] == target
        if not moved and (files[name] != source or not worktree.write(repo, name, target)):
            kept.append(name)
        if index[name] != target_index:
            if index[name] == source_index:
                index_writes[name] = target_index
            else:
                kept.append(name)
    if index_writes:
        wait_for_index_lock(repo)
        worktree.set_index(repo, index_writes)
    return sorted({*kept, *_settle_ignored(repo, record, forward=forward)})


def _sides(
    entry: dict[str, Any], *, forward: bool
) -> tuple[worktree.File, worktree.File, worktree.Index, worktree.Index, bool]:
    """``(source, target, source index, target index, gitlink)`` of one journal path."""
    before, after = _file(entry["before"]), _file(entry["after"])
    before_index = _index_of(before)
    after_index = tuple((m, o, int(s)) for m, o, s in entry["stages"]) or _index_of(after)
    gitlink = "160000" in {side[0] for side in (before, after) if side}
    if forward:
        return before, after, before_index, after_index, gitlink
    return after, before, after_index, before_index, gitlink


def _settle_ignored(repo: Path, record: journal.Journal, *, forward: bool) -> list[str]:
    folder = journal.backup_dir(repo)
    kept = []
    for entry in record.ignored:
        name = entry["path"]
        before = (folder / entry["backup"]).read_bytes() if entry["existed"] else None
        after = (folder / entry["new"]).read_bytes()
        source, target = (before, after) if forward else (after, before)
        current = worktree.read_regular(repo, name)
        blocked = current is None and (
            worktree.below_symlink(repo, name) is not None or (repo / name).is_symlink()
            or (repo / name).exists()
        )  # fmt: skip
        if current == target and not blocked:
            continue
        if blocked or current != source:
            kept.append(name)
        elif target is None:
            (repo / name).unlink()
            worktree.remove_empty_folders(repo, [name], stop=repo / record.prefix)
        elif not worktree.write_bytes_at(repo, name, target):
            kept.append(name)
    return kept


def _file(side: list[str] | None) -> worktree.File:
    return (side[0], side[1]) if side else None


def _index_of(side: worktree.File) -> worktree.Index:
    return ((side[0], side[1], 0),) if side else ()


def _branch(repo: Path) -> str:
    return git("symbolic-ref", "-q", "HEAD", cwd=repo, check=False)


def _keep(repo: Path, record: journal.Journal) -> str:
    """A private ref to a commit holding the result tree and the conflicts' blobs (for gc)."""
    blobs = sorted(
        {(m, o) for entry in record.paths for m, o, _ in entry["stages"] if m != "160000"}
    )
    lines = [f"040000 tree {record.tree}\tresult"]
    lines += [f"100644 blob {oid}\tstage-{number}" for number, (_, oid) in enumerate(blobs)]
    data = "".join(f"{line}\n" for line in lines).encode()
    tree = run("mktree", cwd=repo, input=data).stdout.decode().strip()
    ref = f"refs/mlops-new/update-{record.old_head[:12]}"
    run("update-ref", ref, trees.commit(repo, tree, record.old_head), cwd=repo)
    return ref


def _reset_folder(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
