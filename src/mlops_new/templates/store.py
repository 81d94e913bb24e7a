"""The bundled template's history and its per-user store.

The package ships the template as a git bundle with one tagged commit per
released version (``_template/template.bundle``) and a manifest naming each
version's commit.  Copier renders from a per-user git repository,
``~/.mlops-new/template``, into which the bundle's tags are fetched.  The path
is recorded unexpanded (``~/...``) in every project's answers file, so it
resolves on any machine that has mlops-new installed.

Tags are fetched without ``+``: an existing tag is never rewritten, and tags
from a newer mlops-new release stay when an older one runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mlops_new.core import locks, semver
from mlops_new.core.errors import StoreError, UnknownVersionError
from mlops_new.core.git import GitError, git

STORE_SRC = "~/.mlops-new/template"
"""How the bundled template's source is written into answers files."""


@dataclass(frozen=True)
class ReleasedVersion:
    """One released template version, as recorded in the manifest."""

    version: str
    commit: str
    tree: str
    date: str
    summary: str

    @property
    def tag(self) -> str:
        return semver.tag(self.version)


def bundle_dir() -> Path:
    """The folder in the installed package holding the bundle and its manifest."""
    return Path(str(resources.files("mlops_new") / "_template"))


def load_manifest(path: Path) -> list[ReleasedVersion]:
    """The versions recorded in the manifest file ``path``, oldest first."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [ReleasedVersion(**entry) for entry in data["versions"]]


def manifest() -> list[ReleasedVersion]:
    """The released template versions of this installation, oldest first (read once)."""
    path = bundle_dir() / "manifest.json"
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _MANIFESTS:
        _MANIFESTS[key] = load_manifest(path)
    return list(_MANIFESTS[key])


_MANIFESTS: dict[tuple[str, int], list[ReleasedVersion]] = {}


def latest() -> ReleasedVersion:
    """The newest released template version."""
    return manifest()[-1]


def find(version: str) -> ReleasedVersion:
    """The released version matching ``version`` (``0.1.0`` or ``v0.1.0``)."""
    wanted = semver.bare(version)
    released = manifest()
    for entry in released:
        if entry.version == wanted:
            return entry
    known = ", ".join(entry.version for entry in reversed(released))
    raise UnknownVersionError(
        f"Template version '{version}' does not exist in the bundled template.",
        f"Available versions: {known}. Pass one of them to --ref.",
    )


def store_path() -> Path:
    """Where the per-user store lives (``STORE_SRC`` expanded)."""
    return Path(STORE_SRC).expanduser()


def private_folder(path: Path) -> Path:
    """``path`` made (with its missing parents) readable by its owner only (0700).

    The store, the cached renders and the scratch folders hold other people's
    templates and your answers: not for every user of the machine (umask 022).
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in (path, *(p for p in path.parents if p == store_path().parent)):
        info = folder.stat()
        if info.st_mode & 0o077 and info.st_uid == getattr(os, "getuid", lambda: -1)():
            folder.chmod(0o700)
    return path


def ensure_store() -> Path:
    """Make sure the store holds every bundled version and return its path.

    A store that cannot be read or written (read-only home, a file in its
    place, damaged refs) is a :class:`StoreError` (exit 5) naming the fix.
    """
    try:
        return _ensure_store()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StoreError(
            f"The template store {STORE_SRC} cannot be used: {reason}.",
            f"Make {STORE_SRC} writable, or move it aside and retry; "
            "it is rebuilt from the package.",
        ) from exc


MAIN_REF = "refs/heads/main"
"""The store's branch: the newest bundled version, what ``git clone`` of the store checks out."""


def _ensure_store() -> Path:
    path = store_path()
    released = manifest()
    if _has_all(path, released):
        return path
    private_folder(path.parent)
    with _locked(path.parent / "template.lock"):
        if not _has_all(path, released):
            _sync(path, released)
    return path


def _sync(path: Path, released: list[ReleasedVersion]) -> None:
    try:
        if not (path / ".git").is_dir():
            private_folder(path)
            git("init", "--quiet", str(path), cwd=path.parent)
        bundle = str(bundle_dir() / "template.bundle")
        git("fetch", "--quiet", "--no-tags", bundle, "refs/tags/*:refs/tags/*", cwd=path)
        # A clone of the store checks out the newest version (docs/organisations.md, step 1).
        git("symbolic-ref", "HEAD", MAIN_REF, cwd=path)
        git("update-ref", MAIN_REF, released[-1].commit, cwd=path)
    except GitError as exc:
        _check_tags(path, released)  # a moved tag is the usual cause: name it
        raise StoreError(
            f"Cannot update the template store {STORE_SRC}: {exc.message}",
            f"Move {STORE_SRC} aside and retry; it is rebuilt from the package.",
        ) from exc
    _check_tags(path, released)


def _check_tags(path: Path, released: list[ReleasedVersion]) -> None:
    tags = _read_tags(path)
    for entry in released:
        if entry.tag in tags and tags[entry.tag] != entry.commit:
            raise StoreError(
                f"The template store {STORE_SRC} has tag {entry.tag} at "
                f"{tags[entry.tag][:12]}, but this mlops-new release made it {entry.commit[:12]}.",
                f"Move {STORE_SRC} aside and retry; it is rebuilt from the package.",
            )
        if entry.tag not in tags:
            raise StoreError(
                f"The template store {STORE_SRC} is missing tag {entry.tag} after syncing.",
                f"Move {STORE_SRC} aside and retry; it is rebuilt from the package.",
            )


def _has_all(path: Path, released: list[ReleasedVersion]) -> bool:
    if not (path / ".git").is_dir():
        return False
    refs = _read_refs(path)
    return refs.get(MAIN_REF) == released[-1].commit and all(
        refs.get(f"refs/tags/{entry.tag}") == entry.commit for entry in released
    )


def _read_tags(path: Path) -> dict[str, str]:
    """Tag name -> commit id."""
    refs = _read_refs(path)
    return {n.removeprefix("refs/tags/"): c for n, c in refs.items() if n.startswith("refs/tags/")}


def _read_refs(path: Path) -> dict[str, str]:
    """Ref name -> commit id, packed or loose, read from the files (no subprocess: fast path)."""
    git_dir = path / ".git"
    refs: dict[str, str] = {}
    packed = git_dir / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            sha, _, ref = line.partition(" ")
            if ref.startswith("refs/"):
                refs[ref] = sha
    loose = git_dir / "refs"
    if loose.is_dir():
        for ref_file in loose.rglob("*"):
            if ref_file.is_file():
                name = ref_file.relative_to(git_dir).as_posix()
                refs[name] = ref_file.read_text(encoding="utf-8").strip()
    return refs


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    with locks.held(lock_file):
        yield
