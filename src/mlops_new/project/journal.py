"""The update's journal and lock under ``.git/mlops-new/``.

Before an update changes anything it records the old ``HEAD`` and its branch,
the result tree, the conflicts' index stages, every path it changes with its
states before and after (relative to the repository, so a moved repository
keeps its journal), and a backup of every ignored file it will write; a
private ref keeps those objects from ``git gc`` until the update is settled.
With that record ``update --abort`` undoes what the update wrote and
``update --continue`` finishes, after a conflict stop or any kill (even
SIGKILL).  A lock file held with ``flock`` refuses a second concurrent update;
the kernel drops the lock when its process dies, so it never goes stale.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_new.core import locks
from mlops_new.core.errors import UserError
from mlops_new.core.git import git, run
from mlops_new.core.worktree import safe_relative

FORMAT = 2
_BACKUP_NAME = re.compile(r"[0-9]+\.(old|new)")


class UpdateInProgressError(UserError):
    """An update stopped half-way (or on conflicts) and must be continued or aborted."""


class UpdateLockedError(UserError):
    """Another update holds the project's lock."""


class JournalError(UserError):
    """The journal names a path outside its project, or another project."""


@dataclass
class Journal:
    """What an update is doing (JSON in ``.git/mlops-new/journal.json``)."""

    state: str
    """``applying`` (not finished: continue or abort), ``conflicts`` (stopped on conflicts)."""
    project: str
    """The project's folder relative to the repository (``.`` at its root), for messages."""
    prefix: str
    """The same, ``""`` at the root: every path below is under it."""
    old_head: str
    tree: str
    stages: list[str] = field(default_factory=list)
    """``mode oid stage\\tpath`` lines for the conflicted paths."""
    ignored: list[dict[str, Any]] = field(default_factory=list)
    """``{path, backup, existed, new, conflict}``: ignored files written by the update
    (``path`` relative to the repository; ``backup``/``new``: files in ``backup/``)."""
    paths: list[dict[str, Any]] = field(default_factory=list)
    """``{path, before, after, stages}`` per tracked path the update changes (relative to the
    repository): ``[mode, oid]`` or ``None`` before and after, the conflict's index stages."""
    branch: str = ""
    """The branch ``HEAD`` was on (``""``: detached); the ways out refuse another."""
    ref: str = ""
    """The private ref that keeps the journal's objects from ``git gc`` until it is settled."""
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
        data = json.loads(path.read_text(encoding="utf-8"))
        return Journal(**_upgraded(data))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # unreadable: a crash before the first write finished; nothing was applied


def _upgraded(data: dict[str, Any]) -> dict[str, Any]:
    """A journal of format 1 (absolute project, project-relative ignored paths) as format 2."""
    if data.get("format") != 1:
        return data
    lead = f"{data['prefix']}/" if data["prefix"] else ""
    ignored = [{**entry, "path": lead + entry["path"]} for entry in data.get("ignored", [])]
    return {**data, "project": data["prefix"] or ".", "ignored": ignored, "format": FORMAT}


def validate(journal: Journal, prefix: str) -> None:
    """Refuse a journal of another project, or one naming a path outside its project."""
    if journal.prefix != prefix:
        raise JournalError(
            f"The unfinished template update is of {name(journal)}, not of "
            f"{'the repository root' if not prefix else repr(prefix)}; nothing was changed.",
            f"Run `mlops-new update --continue` or `--abort` in {journal.project}.",
        )
    if journal.prefix and not safe_relative(journal.prefix):
        raise _outside(journal.prefix)
    names = [entry["path"] for entry in (*journal.paths, *journal.ignored)]
    names += [line.partition("\t")[2] for line in journal.stages]
    for entry in names:
        if not isinstance(entry, str) or not safe_relative(entry, journal.prefix):
            raise _outside(str(entry))
    for entry in journal.ignored:
        for key in ("backup", "new"):
            if key in entry and not _BACKUP_NAME.fullmatch(str(entry[key])):
                raise _outside(str(entry[key]))


def _outside(entry: str) -> JournalError:
    return JournalError(
        f"The update's journal names '{entry}', which is not inside its project; "
        "nothing was changed.",
        "Remove .git/mlops-new/journal.json if you did not edit it on purpose, then retry.",
    )


def name(journal: Journal) -> str:
    """The journal's project for a message."""
    return f"'{journal.prefix}'" if journal.prefix else "the project at the repository root"


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


def clear(repo: Path, journal: Journal | None = None) -> None:
    """Forget the journal, its backups and its ref (the update is finished or undone).

    ``journal``: the one in memory, when it may not be written yet (its ref is dropped too).
    """
    folder = state_dir(repo)
    refs = {record.ref for record in (journal, read(repo)) if record is not None}
    for ref in sorted(ref for ref in refs if ref.startswith("refs/mlops-new/")):
        run("update-ref", "-d", ref, cwd=repo, check=False)
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
            f"A template update of {name(journal)} stopped on conflicts.",
            "Resolve them, `git add` the files and run `mlops-new update --continue`, "
            "or undo it with `mlops-new update --abort`.",
        )
    return UpdateInProgressError(
        f"A template update of {name(journal)} was interrupted before it finished.",
        "Run `mlops-new update --continue` to finish it, or `mlops-new update --abort` to undo it.",
    )


@contextmanager
def locked(repo: Path) -> Iterator[None]:
    """Hold the repository's update lock, or refuse with a clear message."""
    folder = state_dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    owner = folder / "lock.owner"
    with ExitStack() as stack:
        try:
            stack.enter_context(locks.held(folder / "lock", wait=False))
        except locks.LockHeld:
            raise UpdateLockedError(
                f"Another mlops-new update is running on {repo} ({_holder(owner)}); "
                "nothing was changed.",
                "Wait for it to finish, then retry.",
            ) from None
        owner.write_text(f"pid {os.getpid()}", encoding="utf-8")
        stack.callback(owner.unlink, missing_ok=True)
        yield


def _holder(owner: Path) -> str:
    try:
        return owner.read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"
