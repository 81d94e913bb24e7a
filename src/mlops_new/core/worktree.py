"""Single paths of the index and working tree, read and written without following symlinks.

The ways out of an update (``--abort``, ``--continue``, the rollback on an
interrupt or error) move only the paths the journal names, one by one, and
only where a path is still in the state the update left (or found) it.  This
module reads those states and writes them: every path is checked component by
component with ``os.lstat``, a path below a symlink or outside its folder is
never read, written or deleted, and files are replaced with ``os.replace``
(which replaces a symlink itself, never its target).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from mlops_new.core.git import run

ZERO = "0" * 40
BLOCKED = ("blocked", "")
"""The state of a path git cannot see as a file: below a symlink, a folder, a socket."""

File = tuple[str, str] | None
"""A working-tree file as ``(mode, oid)``; ``None``: absent."""
Index = tuple[tuple[str, str, int], ...]
"""A path's index entries as ``(mode, oid, stage)``; empty: not in the index."""


def safe_relative(name: str, inside: str = "") -> bool:
    """Whether ``name`` is a plain relative path (no ``..``, no ``.git``) under ``inside``."""
    if not name or "\0" in name or name.startswith("/") or "\\" in name:
        return False
    parts = PurePosixPath(name).parts
    if any(part in {"", ".", ".."} or part.lower() == ".git" for part in parts):
        return False
    return not inside or name.startswith(f"{inside}/")


def below_symlink(root: Path, name: str) -> str | None:
    """The first folder of ``name`` (under ``root``) that is not a real folder, else ``None``."""
    current = root
    parts = PurePosixPath(name).parts
    for part in parts[:-1]:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return None  # missing folders are created, never followed
        if not stat.S_ISDIR(info.st_mode):
            return current.relative_to(root).as_posix()
    return None


def files(repo: Path, names: Iterable[str]) -> dict[str, File | tuple[str, str]]:
    """The working-tree state of each of ``names`` (repository-relative), symlinks unfollowed."""
    found: dict[str, File | tuple[str, str]] = {}
    regular: list[str] = []
    for name in names:
        if below_symlink(repo, name) is not None:
            found[name] = BLOCKED
            continue
        try:
            info = os.lstat(repo / name)
        except FileNotFoundError:
            found[name] = None
            continue
        if stat.S_ISLNK(info.st_mode):
            target = str((repo / name).readlink()).encode("utf-8", "surrogateescape")
            found[name] = ("120000", _hash(repo, target))
        elif stat.S_ISREG(info.st_mode):
            found[name] = ("100755" if info.st_mode & stat.S_IXUSR else "100644", "")
            regular.append(name)
        else:
            found[name] = BLOCKED
    plain = [name for name in regular if "\n" not in name]  # --stdin-paths is line-based
    if plain:
        data = "".join(f"{name}\n" for name in plain).encode("utf-8", "surrogateescape")
        oids = run("hash-object", "--stdin-paths", cwd=repo, input=data).stdout.decode().split()
        for name, oid in zip(plain, oids, strict=True):
            found[name] = ((found[name] or BLOCKED)[0], oid)
    for name in regular:
        if "\n" in name:
            oid = run("hash-object", "--", name, cwd=repo).stdout.decode().strip()
            found[name] = ((found[name] or BLOCKED)[0], oid)
    return found


def index(repo: Path, names: Iterable[str]) -> dict[str, Index]:
    """The index entries of each of ``names`` (repository-relative)."""
    wanted = set(names)
    found: dict[str, list[tuple[str, str, int]]] = {name: [] for name in wanted}
    if not wanted:
        return {}
    out = run("ls-files", "-s", "-z", "--full-name", cwd=repo).stdout
    for record in filter(None, out.decode("utf-8", "surrogateescape").split("\0")):
        meta, _, name = record.partition("\t")
        if name in wanted:
            mode, oid, stage = meta.split()
            found[name].append((mode, oid, int(stage)))
    return {name: tuple(sorted(entries, key=lambda e: e[2])) for name, entries in found.items()}


def set_index(repo: Path, entries: dict[str, Index]) -> None:
    """Give each path exactly ``entries`` in the index (empty: remove it)."""
    if not entries:
        return
    lines = []
    for name, wanted in sorted(entries.items()):
        lines.append(f"0 {ZERO}\t{name}")
        lines += [f"{mode} {oid} {stage}\t{name}" for mode, oid, stage in wanted]
    data = "".join(f"{line}\0" for line in lines).encode("utf-8", "surrogateescape")
    run("update-index", "-z", "--index-info", cwd=repo, input=data)


def write(repo: Path, name: str, wanted: File) -> bool:
    """Make the file at ``name`` be ``wanted`` (a blob of ``repo``, or absent); ``False``: refused.

    Refused below a symlink or a non-folder; a submodule (``160000``) is left alone.
    """
    if below_symlink(repo, name) is not None:
        return False
    path = repo / name
    if wanted is None:
        _remove(path)
        return True
    mode, oid = wanted
    if mode == "160000":
        return True
    data = run("cat-file", "blob", oid, cwd=repo).stdout
    _make_folders(repo, name)
    write_bytes(path, data, link=mode == "120000", executable=mode == "100755")
    return True


def write_bytes(path: Path, data: bytes, *, link: bool = False, executable: bool = False) -> None:
    """Replace ``path`` (never what a symlink there points to) with ``data`` in one rename."""
    tmp = path.with_name(f".{path.name}.mlops-new-tmp")
    _unlink(tmp)
    if link:
        tmp.symlink_to(os.fsdecode(data))
    else:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o777 if executable else 0o666)
        try:
            with os.fdopen(fd, "wb", closefd=False) as handle:
                handle.write(data)
        finally:
            os.close(fd)
    try:
        tmp.replace(path)
    except BaseException:
        _unlink(tmp)
        raise


def write_bytes_at(root: Path, name: str, data: bytes) -> bool:
    """Write ``data`` at ``name`` under ``root``, creating folders; ``False``: below a symlink."""
    if below_symlink(root, name) is not None:
        return False
    _make_folders(root, name)
    write_bytes(root / name, data)
    return True


def remove_empty_folders(root: Path, names: Sequence[str], stop: Path) -> None:
    """Remove the folders of ``names`` that are left empty (never ``stop`` or above it)."""
    for name in sorted(names, key=lambda n: -n.count("/")):
        parent = (root / name).parent
        while parent != stop and stop in parent.parents:
            try:
                info = os.lstat(parent)
                if not stat.S_ISDIR(info.st_mode) or any(os.scandir(parent)):
                    break
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent


def read_regular(root: Path, name: str) -> bytes | None:
    """The bytes of the regular file ``name`` under ``root`` (``None``: absent, a link, blocked)."""
    if below_symlink(root, name) is not None:
        return None
    try:
        info = os.lstat(root / name)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (root / name).read_bytes()


def _make_folders(repo: Path, name: str) -> None:
    current = repo
    for part in PurePosixPath(name).parts[:-1]:
        current = current / part
        with contextlib.suppress(FileExistsError):
            current.mkdir()
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(os.lstat(repo / name).st_mode):
            (repo / name).rmdir()  # only an empty folder: a full one raises, and is kept


def _remove(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        return  # a folder (a submodule, the team's): never removed here
    path.unlink()


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def _hash(repo: Path, data: bytes) -> str:
    return run("hash-object", "--stdin", cwd=repo, input=data).stdout.decode().strip()
