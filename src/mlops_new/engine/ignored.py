"""Files the template manages but git does not track: ignored files, flagged paths, symlinks.

Git cannot give these back, so they never go through the tree merge: each is
3-way merged on disk with ``git merge-file`` (base and theirs from the
renders), backed up by the journal before it is written, and reported.  A path
that would be written through a symlink, or a tracked path whose local edits
git hides (``skip-worktree``/``assume-unchanged``), stops the update before
anything changes, naming the path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlops_new.core.errors import UserError
from mlops_new.core.git import git, run


@dataclass(frozen=True)
class DiskChange:
    """New content for an ignored file (relative to the project)."""

    path: str
    data: bytes
    conflict: bool
    existed: bool
    ours: bytes | None = None
    """The team's bytes the merge started from (the apply refuses if they changed since)."""


class UnsafePathError(UserError):
    """The update would write through something git does not track."""


def ignored_paths(project: Path, candidates: Iterable[str]) -> set[str]:
    """The ``candidates`` (project-relative) that the project's git ignores."""
    names = sorted(set(candidates))
    if not names:
        return set()
    data = "".join(f"{name}\0" for name in names).encode("utf-8", "surrogateescape")
    proc = run("check-ignore", "-z", "--stdin", "--no-index", cwd=project, input=data, check=False)
    return {name for name in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if name}


def refuse_symlinked(project: Path, paths: Iterable[str]) -> None:
    """Stop when writing one of ``paths`` would follow a symlink in the project."""
    for name in paths:
        current = project
        for part in Path(name).parts:
            current = current / part
            if current.is_symlink():
                raise UnsafePathError(
                    f"The update would write '{name}' through the symlink "
                    f"'{current.relative_to(project)}'; nothing was changed.",
                    "Replace the symlink with a folder (or exclude the path in "
                    "[tool.mlops-new] exclude), then retry.",
                )


def refuse_submodules(paths: Iterable[str], submodules: set[str]) -> None:
    """Stop when the template writes a submodule's path, or a path inside one."""
    if not submodules:
        return
    for name in sorted(paths):
        parts = name.split("/")
        hit = next(
            ("/".join(parts[:end]) for end in range(1, len(parts) + 1)
             if "/".join(parts[:end]) in submodules),
            None,
        )  # fmt: skip
        if hit is not None:
            raise UnsafePathError(
                f"The template writes '{name}', but '{hit}' is a git submodule; nothing was "
                "changed.",
                f"Move the submodule where the template writes nothing (`git mv {hit} "
                f"vendor/{hit.rsplit('/', 1)[-1]}`), commit, then retry.",
            )


def refuse_hidden_edits(project: Path, changed: Iterable[str]) -> None:
    """Stop when a path the update changes is marked skip-worktree or assume-unchanged."""
    wanted = set(changed)
    out = run("ls-files", "-v", "-z", "--", ".", cwd=project).stdout.decode(
        "utf-8", "surrogateescape"
    )
    sparse = git("config", "--bool", "core.sparseCheckout", cwd=project, check=False) == "true"
    for record in filter(None, out.split("\0")):
        tag, name = record[0], record[2:]
        if name in wanted and tag == "S" and sparse:
            folder = name.rpartition("/")[0]
            raise UnsafePathError(
                f"'{name}' is outside the sparse checkout, and the update would change it; "
                "nothing was changed.",
                f"Check it out (`git sparse-checkout add {folder or '/' + name}`), or update "
                "from a full clone, then retry.",
            )
        if name in wanted and (tag == "S" or tag.islower()):
            flag = "skip-worktree" if tag.upper() == "S" else "assume-unchanged"
            raise UnsafePathError(
                f"'{name}' is marked {flag}: git hides its local edits, and the update would "
                "overwrite them; nothing was changed.",
                f"Run `git update-index --no-{flag} -- {name}`, commit or stash it, then retry.",
            )


LABELS = ("before updating", "template base", "template")
"""The conflict-marker labels of ours, the base and theirs (as in the tree merge)."""


def merge_on_disk(
    project: Path,
    paths: Iterable[str],
    base: Path,
    theirs: Path,
    labels: tuple[str, str, str] = LABELS,
) -> list[DiskChange]:
    """3-way merges of ignored ``paths`` (the team's copy on disk, the renders' copies)."""
    changes = []
    for name in sorted(paths):
        change = _merge_one(project / name, base / name, theirs / name, name, labels)
        if change is not None:
            changes.append(change)
    return changes


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() and not path.is_symlink() else None


def _merge_one(
    ours_path: Path, base_path: Path, theirs_path: Path, name: str, labels: tuple[str, str, str]
) -> DiskChange | None:
    ours, base, theirs = _read(ours_path), _read(base_path), _read(theirs_path)
    if theirs is None or theirs in (base, ours):
        return None  # the template removed or kept it, or the team has it already: keep theirs
    if ours is None:
        if ours_path.exists() or ours_path.is_symlink() or base is not None:
            return None  # the team deleted it (or it is not a file): stays as it is
        return DiskChange(name, theirs, conflict=False, existed=False)
    merged, conflict = merge_file(ours, base or b"", theirs, labels)
    return DiskChange(name, merged, conflict=conflict, existed=True, ours=ours)


def merge_file(
    ours: bytes, base: bytes, theirs: bytes, labels: tuple[str, str, str] = LABELS
) -> tuple[bytes, bool]:
    """``git merge-file -p``: the merged bytes and whether they hold conflicts."""
    with tempfile.TemporaryDirectory(prefix="mlops-new-merge-") as tmp:
        files = []
        for label, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / label
            path.write_bytes(data)
            files.append(str(path))
        proc = run(
            "merge-file", "-p", "-L", labels[0], "-L", labels[1], "-L", labels[2],
            *files, cwd=Path(tmp), check=False,
        )  # fmt: skip
    if proc.returncode < 0 or proc.returncode > 127:
        raise UserError(f"git merge-file failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout, proc.returncode > 0


def disk_patch(changes: Iterable[DiskChange]) -> str:
    """The ignored files' new contents as a unified diff (``update --diff``), after the
    tree's: git has no object for them, so the patch is made here."""
    import difflib

    parts = []
    for change in changes:
        before, after = (change.ours or b"") if change.existed else b"", change.data
        old = f"a/{change.path}" if change.existed else "/dev/null"
        parts.append(f"diff --git a/{change.path} b/{change.path}\n")
        try:
            lines_before = before.decode("utf-8").splitlines(keepends=True)
            lines_after = after.decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError:
            parts.append(f"Binary files {old} and b/{change.path} differ\n")
            continue
        parts += difflib.unified_diff(lines_before, lines_after, old, f"b/{change.path}")
    return "".join(parts)
