"""The scan's cache: the hits of the files as a commit holds them, kept in the git folder.

Reading every tracked file is most of a large repository's check (40,000 files:
a quarter of a second of system time, while repo-review reads a handful). The
hits of the files as ``HEAD``'s tree holds them are kept in
``<git dir>/mlops-new/scan-*.json`` (beside git's own state, readable by the
owner only: the hits hold the secrets found). A later check searches only what
may differ from the tree it was made for:

- the paths changed between that tree and ``HEAD``'s (``git diff-tree``),
- the paths staged (``git diff-index --cached HEAD``) or changed in the work tree
  (``git ls-files --modified``, from the listing the checks make anyway; a file
  whose timestamps changed counts as changed),
- the paths that were changed so when the cache was written.

Every other file is, byte for byte, what it was when it was searched, so its
hits are the cached ones. The cache is keyed on the patterns, the skipped
assets and the checked sub-folder, so a release that changes them starts
afresh. ``check --no-cache`` reads and writes none.

A repository's ``.git`` folder is not the user's: a repository handed over
with one (an archive, a shared folder) could carry a cache that hides its
secrets. Each entry is signed with a key of the user's own
(``$XDG_CACHE_HOME/mlops-new/scan.key``, made on first use, owner-only), and
one whose signature does not match is searched afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any, NamedTuple

from mlops_new.core import git
from mlops_new.core.errors import MlopsNewError

FORMAT = 1
FOLDER = "mlops-new"
WORTH_IT = 1_000_000
"""Index size (bytes, about 10,000 files) from which the cache pays: below it, searching
every file is quicker than the git calls that tell what changed."""


def worth_it(root: Path) -> bool:
    """Whether the repository holding ``root`` is large enough for the cache to pay (its
    index's size, found without running git: the ``.git`` folder, or the one a ``.git``
    file names)."""
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        try:
            if dot_git.is_dir():
                return (dot_git / "index").stat().st_size >= WORTH_IT
            if dot_git.is_file():
                text = dot_git.read_text(encoding="utf-8", errors="replace")[:4096]
                target = Path(text.removeprefix("gitdir:").strip())
                return (folder / target / "index").stat().st_size >= WORTH_IT
        except OSError:
            return False
    return False


class Place(NamedTuple):
    """Where the cache of one checked folder lives, and what it must match."""

    file: Path
    tree: str
    """``HEAD``'s tree now."""
    fingerprint: str
    key: bytes
    """The user's signing key (see the module's notes)."""


class Entry(NamedTuple):
    """A cache file's contents."""

    tree: str
    dirty: frozenset[str]
    """Paths that differed from ``tree`` when the hits were found (searched again)."""
    hits: dict[str, list[tuple[str, int, str]]]


def place(root: Path, key: object) -> Place | None:
    """The cache of the folder ``root`` for the scan ``key`` (its patterns and skips), or
    ``None`` where there is none to have: no commit yet, or not a git work tree."""
    proc = _git(
        root,
        "rev-parse", "--path-format=absolute", "--git-path", FOLDER, "--show-prefix",
        "--verify", "--quiet", "HEAD^{tree}",
    )  # fmt: skip
    lines = proc.split("\n") if proc is not None else []
    signing = _signing_key()
    if len(lines) < 3 or len(lines[2]) not in (40, 64) or signing is None:
        return None
    folder, prefix, tree = lines[:3]
    fingerprint = hashlib.sha256(
        json.dumps([FORMAT, key, prefix], sort_keys=True).encode()
    ).hexdigest()
    name = hashlib.sha256(prefix.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return Place(Path(folder) / f"scan-{name}.json", tree, fingerprint, signing)


def _signing_key() -> bytes | None:
    """The user's own key for signing cache entries (made on first use), or ``None``."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlops-new"
    path = base / "scan.key"
    with contextlib.suppress(OSError):
        base.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
        found = path.read_bytes()
        return found if len(found) >= 32 else None
    return None


def _signature(key: bytes, fingerprint: Any, tree: Any, dirty: Any, hits: Any) -> str:
    body = json.dumps([fingerprint, tree, dirty, hits], sort_keys=True, separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def load(where: Place) -> Entry | None:
    """The cached entry, or ``None`` when absent, unreadable, or made for other patterns."""
    try:
        data = json.loads(where.file.read_bytes())
        if data.get("fingerprint") != where.fingerprint:
            return None
        tree, dirty, hits = data["tree"], data["dirty"], data["hits"]
        expected = _signature(where.key, where.fingerprint, tree, dirty, hits)
        if not hmac.compare_digest(str(data.get("signature", "")), expected):
            return None  # not written by this user: searched afresh
        if not isinstance(tree, str) or not all(isinstance(p, str) for p in dirty):
            return None
        parsed = {
            str(kind): [(str(path), int(line), str(text)) for path, line, text in found]
            for kind, found in hits.items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return Entry(tree, frozenset(dirty), parsed)


def save(where: Place, dirty: frozenset[str], hits: dict[str, list[Any]]) -> None:
    """Write the entry (atomically; a folder that cannot be written keeps no cache)."""
    listed = {kind: [list(hit[:3]) for hit in found] for kind, found in hits.items()}
    data = {
        "format": FORMAT,
        "fingerprint": where.fingerprint,
        "tree": where.tree,
        "dirty": sorted(dirty),
        "hits": listed,
        "signature": _signature(where.key, where.fingerprint, where.tree, sorted(dirty), listed),
    }
    partial = where.file.with_name(f".{where.file.name}.{os.getpid()}")
    try:
        where.file.parent.mkdir(exist_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        partial.replace(where.file)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


def changed_since(root: Path, entry: Entry, where: Place) -> set[str] | None:
    """Paths (relative to ``root``) that may differ from the cached tree's besides the
    work tree's changes: the cached dirty ones, those changed between the trees, and the
    staged ones. ``None`` when git cannot tell (the cached tree was pruned)."""
    changed = set(entry.dirty)
    if entry.tree != where.tree:
        between = _names(root, "diff-tree", "-r", "--name-only", "-z", entry.tree, where.tree)
        if between is None:
            return None
        changed |= between
    return changed


def staged(root: Path) -> set[str] | None:
    """Paths staged to differ from ``HEAD`` (relative to ``root``)."""
    return _names(root, "diff-index", "--cached", "--name-only", "-z", "HEAD")


def modified(listing: bytes) -> set[str]:
    """The work tree's changed tracked files: the ``C`` entries of ``git ls-files -t -m``."""
    if not listing.startswith(b"C ") and b"\0C " not in listing:
        return set()  # the common case, found without decoding the whole listing
    text = listing.decode(sys.getfilesystemencoding(), "surrogateescape")
    return {entry[2:] for entry in text.split("\0") if entry.startswith("C ")}


def _names(root: Path, command: str, *args: str) -> set[str] | None:
    out = _git(root, command, "--relative", *args, "--")
    return None if out is None else {name for name in out.split("\0") if name}


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = git.run(*args, cwd=root, check=False)
    except (OSError, MlopsNewError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode(sys.getfilesystemencoding(), "surrogateescape")
