"""Apply an update's plan in one step, with a journal; abort or continue from that journal.

The index and working tree move from ``HEAD`` to the result tree with one
``git read-tree -m -u`` (git refuses to overwrite untracked files and never
writes through symlinks), conflicted paths get their index stages like
``git merge``, and ignored files are written from the journal's copies.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from mlops_new.core import signals
from mlops_new.core.git import git, run
from mlops_new.engine.ignored import DiskChange
from mlops_new.engine.merge import ZERO, Merged
from mlops_new.project import journal


def stage_lines(merged: Merged) -> list[str]:
    """Index lines that turn each conflicted path into its stages 1-3."""
    lines = []
    for path, stages in merged.conflicts.items():
        lines.append(f"0 {ZERO}\t{path}")
        lines += [f"{s.mode} {s.oid} {s.stage}\t{s.path}" for s in stages]
    return lines


def start(repo: Path, record: journal.Journal, disk: tuple[DiskChange, ...], project: Path) -> None:
    """Back up the ignored files the update writes, then record the journal."""
    folder = journal.backup_dir(repo)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for number, change in enumerate(disk):
        entry: dict[str, Any] = {
            "path": change.path,
            "existed": change.existed,
            "backup": f"{number}.old",
            "new": f"{number}.new",
        }
        if change.existed:
            shutil.copyfile(project / change.path, folder / entry["backup"])
        (folder / f"{number}.new").write_bytes(change.data)
        record.ignored.append(entry)
    journal.write(repo, record)


def move(repo: Path, record: journal.Journal, *, resume: bool = False) -> None:
    """Move index and working tree to the journal's tree; stage conflicts; write ignored files."""
    _drop_stale_index_lock(repo, resume)
    if resume:
        run("read-tree", "--reset", "-u", record.tree, cwd=repo)
    else:
        run("read-tree", "-m", "-u", record.old_head, record.tree, cwd=repo)
    if record.stages:
        data = "".join(f"{line}\0" for line in record.stages).encode("utf-8", "surrogateescape")
        run("update-index", "-z", "--index-info", cwd=repo, input=data)
    project = Path(record.project)
    folder = journal.backup_dir(repo)
    for entry in record.ignored:
        target = project / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / entry["new"], target)


def rollback(repo: Path, record: journal.Journal) -> None:
    """Put the repository back at the journal's old ``HEAD`` (index, tree, ignored files)."""
    with signals.held():
        _drop_stale_index_lock(repo, True)
        run("read-tree", "--reset", record.old_head, cwd=repo)
        moved = _names(
            "diff-tree",
            "-r",
            "-z",
            "--no-renames",
            "--name-only",
            record.old_head,
            record.tree,
            repo=repo,
        )
        edited = _names("diff", "-z", "--name-only", "--no-renames", repo=repo)
        known = set(
            _names("ls-tree", "-r", "-z", "--name-only", "--full-tree", record.old_head, repo=repo)
        )
        restore = sorted((set(moved) | set(edited)) & known)
        if restore:
            data = "".join(f"{name}\0" for name in restore).encode("utf-8", "surrogateescape")
            run("checkout-index", "-f", "-z", "--stdin", cwd=repo, input=data)
        for name in sorted(set(moved) - known):
            _remove(repo, name)
        _restore_ignored(repo, record)
        journal.clear(repo)


def _restore_ignored(repo: Path, record: journal.Journal) -> None:
    project = Path(record.project)
    folder = journal.backup_dir(repo)
    for entry in record.ignored:
        target = project / entry["path"]
        if entry["existed"]:
            shutil.copyfile(folder / entry["backup"], target)
        elif target.is_file() and not target.is_symlink():
            target.unlink()


def _names(*args: str, repo: Path) -> list[str]:
    out = run(*args, cwd=repo).stdout.decode("utf-8", "surrogateescape")
    return [name for name in out.split("\0") if name]


def _remove(repo: Path, name: str) -> None:
    """Delete a file the update added, and the folders it leaves empty."""
    path = repo / name
    if path.is_symlink() or path.is_file():
        path.unlink()
    parent = path.parent
    while parent != repo and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _drop_stale_index_lock(repo: Path, allowed: bool) -> None:
    """A git killed with the update leaves ``index.lock``; we hold the update lock: it is ours."""
    if not allowed:
        return
    lock = Path(git("rev-parse", "--git-path", "index.lock", cwd=repo))
    lock = lock if lock.is_absolute() else repo / lock
    lock.unlink(missing_ok=True)
