"""The update's journal and lock under ``.git/mlops-new/``.

Before an update changes anything it records the old ``HEAD``, the result
tree, the conflicts' index stages and a backup of every ignored file it will
write.  With that record ``update --abort`` puts the project back and
``update --continue`` finishes, after a conflict stop or any kill (even
SIGKILL).  A lock file held with ``flock`` refuses a second concurrent update;
the kernel drops the lock when its process dies, so it never goes stale.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_new.core.errors import UserError
from mlops_new.core.git import git

FORMAT = 1


class UpdateInProgressError(UserError):
    """An update stopped half-way (or on conflicts) and must be continued or aborted."""


class UpdateLockedError(UserError):
    """Another update holds the project's lock."""


@dataclass
class Journal:
    """What an update is doing (JSON in ``.git/mlops-new/journal.json``)."""

    state: str
    """``applying`` (not finished: continue or abort), ``conflicts`` (stopped on conflicts)."""
    project: str
    prefix: str
    old_head: str
    tree: str
    stages: list[str] = field(default_factory=list)
    """``mode oid stage\\tpath`` lines for the conflicted paths."""
    ignored: list[dict[str, Any]] = field(default_factory=list)
    """``{path, backup, existed, data_file}``: ignored files written by the update."""
    report: dict[str, Any] = field(default_factory=dict)
    """The update's result (JSON), to report again on ``--continue``."""
    format: int = FORMAT


def state_dir(repo: Path) -> Path:
    """``.git/mlops-new`` of the repository (or worktree) holding ``repo``."""
    return Path(git("rev-parse", "--absolute-git-dir", cwd=repo)) / "mlops-new"


def read(repo: Path, *, git_dir: Path | None = None) -> Journal | None:
    """The journal of ``repo``'s repository (``git_dir``: its git folder, when known)."""
    path = (git_dir / "mlops-new" if git_dir else state_dir(repo)) / "journal.json"
    if not path.is_file():
        return None
    try:
        return Journal(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None  # unreadable: a crash before the first write finished; nothing was applied


def write(repo: Path, journal: Journal) -> None:
    """Record ``journal`` atomically (write, fsync, rename)."""
    folder = state_dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "journal.json.tmp"
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(asdict(journal), handle)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(folder / "journal.json")


def backup_dir(repo: Path) -> Path:
    return state_dir(repo) / "backup"


def clear(repo: Path) -> None:
    """Forget the journal and its backups (the update is finished or undone)."""
    folder = state_dir(repo)
    (folder / "journal.json").unlink(missing_ok=True)
    shutil.rmtree(folder / "backup", ignore_errors=True)


def refuse_pending(repo: Path, project: Path) -> None:
    """Raise if an update of ``project``'s repository is unfinished; forget a settled one."""
    journal = read(repo)
    if journal is None:
        return
    error = unfinished(repo, journal)
    if error is None:
        clear(repo)  # the team resolved and committed: the update is settled
        return
    raise error


def unfinished(repo: Path, journal: Journal) -> UpdateInProgressError | None:
    """What is left of the update ``journal`` records (``None``: settled by a commit)."""
    head = git("rev-parse", "--verify", "--quiet", "HEAD", cwd=repo, check=False)
    if journal.state == "conflicts" and head != journal.old_head:
        return None
    if journal.state == "conflicts":
        return UpdateInProgressError(
            f"A template update of {journal.project} stopped on conflicts.",
            "Resolve them, `git add` the files and run `mlops-new update --continue`, "
            "or undo it with `mlops-new update --abort`.",
        )
    return UpdateInProgressError(
        f"A template update of {journal.project} was interrupted before it finished.",
        "Run `mlops-new update --continue` to finish it, or `mlops-new update --abort` to undo it.",
    )


@contextmanager
def locked(repo: Path) -> Iterator[None]:
    """Hold the repository's update lock, or refuse with a clear message."""
    folder = state_dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UpdateLockedError(
                f"Another mlops-new update is running on {repo} ({holder}); nothing was changed.",
                "Wait for it to finish, then retry.",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
