"""Git trees without a working tree: write a folder as a tree, graft it, list and diff trees.

Everything here writes objects into the project's object database through a
temporary index (``GIT_INDEX_FILE``): no ref moves, the user's index and
working tree are never touched.  Content is hashed with ``--no-filters`` so
no clean filter configured in the repository runs on template files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlops_new.core.git import commit_env, git, run

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass(frozen=True)
class Entry:
    """One file of a tree: mode, object id and path."""

    mode: str
    oid: str
    path: str


@contextmanager
def temp_index(repo: Path) -> Iterator[dict[str, str]]:
    """The environment of a throw-away index file for ``repo``."""
    with tempfile.TemporaryDirectory(prefix="mlops-new-index-") as tmp:
        yield {"GIT_INDEX_FILE": str(Path(tmp) / "index")}


def folder_entries(repo: Path, folder: Path, skip: Iterable[str] = ()) -> list[Entry]:
    """Hash every file under ``folder`` into ``repo`` (paths relative to ``folder``)."""
    skipped = set(skip)
    files: list[tuple[str, Path]] = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names + [d for d in dirs if (Path(root) / d).is_symlink()]):
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if rel not in skipped:
                files.append((rel, path))
    regular = [(rel, path) for rel, path in files if not path.is_symlink()]
    oids = _hash_paths(repo, [path for _, path in regular])
    entries = [
        Entry("100755" if os.access(path, os.X_OK) else "100644", oid, rel)
        for (rel, path), oid in zip(regular, oids, strict=True)
    ]
    for rel, path in files:
        if path.is_symlink():
            oid = _hash_bytes(repo, str(path.readlink()).encode("utf-8", "surrogateescape"))
            entries.append(Entry("120000", oid, rel))
    return entries


def _hash_paths(repo: Path, paths: list[Path]) -> list[str]:
    """The blob ids of ``paths`` (written): one git call, and one more per name holding a
    line break, which ``--stdin-paths`` cannot carry."""
    plain = [path for path in paths if "\n" not in str(path)]
    oids: dict[Path, str] = {}
    if plain:
        stdin = "".join(f"{path}\n" for path in plain).encode("utf-8", "surrogateescape")
        out = run("hash-object", "-w", "--no-filters", "--stdin-paths", cwd=repo, input=stdin)
        oids = dict(zip(plain, out.stdout.decode().split(), strict=True))
    for path in paths:
        if path not in oids:
            oids[path] = _hash_bytes(repo, path.read_bytes())
    return [oids[path] for path in paths]


def _hash_bytes(repo: Path, data: bytes) -> str:
    return (
        run("hash-object", "-w", "--no-filters", "--stdin", cwd=repo, input=data)
        .stdout.decode()
        .strip()
    )


def build_tree(
    repo: Path, entries: Iterable[Entry], *, base: str | None = None, prefix: str = ""
) -> str:
    """A tree holding ``entries`` under ``prefix``; with ``base``, grafted into that tree.

    Everything ``base`` held under ``prefix`` is replaced; the rest of ``base``
    (other folders of a monorepo) is kept as it is.
    """
    with temp_index(repo) as env:
        if base is not None and prefix:
            run("read-tree", base, cwd=repo, env=env)
            run("rm", "--cached", "-r", "-q", "--ignore-unmatch", "--", prefix, cwd=repo, env=env)
        lead = f"{prefix}/" if prefix else ""
        lines = "".join(f"{e.mode} {e.oid}\t{lead}{e.path}\0" for e in entries)
        run(
            "update-index",
            "-z",
            "--add",
            "--index-info",
            cwd=repo,
            env=env,
            input=lines.encode("utf-8", "surrogateescape"),
        )
        return git("write-tree", cwd=repo, env=env)


def entries(repo: Path, tree: str, prefix: str = "") -> dict[str, Entry]:
    """Files of ``tree`` (under ``prefix``), by path relative to ``prefix``."""
    args = ["ls-tree", "-r", "-z", "--full-tree", tree]
    if prefix:
        args += ["--", prefix]
    out = run(*args, cwd=repo).stdout.decode("utf-8", "surrogateescape")
    found: dict[str, Entry] = {}
    lead = f"{prefix}/" if prefix else ""
    for record in filter(None, out.split("\0")):
        meta, _, path = record.partition("\t")
        mode, kind, oid = meta.split()
        if kind in {"blob", "commit"} and path.startswith(lead):
            found[path[len(lead) :]] = Entry(mode, oid, path[len(lead) :])
    return found


def commit(repo: Path, tree: str, *parents: str) -> str:
    """A dangling commit of ``tree`` (no ref points at it; gc collects it)."""
    args = ["commit-tree", tree, "-m", "mlops-new update"]
    for parent in parents:
        args += ["-p", parent]
    env = {**commit_env(None), "GIT_AUTHOR_DATE": "@0 +0000", "GIT_COMMITTER_DATE": "@0 +0000"}
    return git(*args, cwd=repo, env=env)


def head_tree(repo: Path) -> str:
    """The tree of ``HEAD`` (the empty tree in a repository without commits)."""
    tree = git("rev-parse", "--verify", "--quiet", "HEAD^{tree}", cwd=repo, check=False)
    return tree or EMPTY_TREE


def read_blob(repo: Path, oid: str) -> bytes:
    return run("cat-file", "blob", oid, cwd=repo).stdout


def write_blob(repo: Path, data: bytes) -> str:
    return _hash_bytes(repo, data)
