"""The versions a template source offers (bundled manifest, or another template's tags)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_new.core import semver
from mlops_new.core.errors import TemplateSourceError, UnknownVersionError
from mlops_new.core.git import OUTSIDE_ANY_REPOSITORY, run
from mlops_new.templates import store

if TYPE_CHECKING:  # the result types load with the commands that return them, not with `check`
    from mlops_new.core.results import VersionNote


def available(src: str | None) -> list[VersionNote]:
    """Versions of ``src`` (``None`` or the store: the bundled template), newest first."""
    from mlops_new.core.results import VersionNote

    if src is None or src == store.STORE_SRC:
        return [VersionNote(entry.version, entry.summary) for entry in reversed(store.manifest())]
    return [VersionNote(version, "") for version in version_names(src)]


def version_names(src: str | None) -> list[str]:
    """The versions of :func:`available`, without their notes."""
    if src is None or src == store.STORE_SRC:
        return [entry.version for entry in reversed(store.manifest())]
    versions = {tag: found for tag in remote_tags(src) if (found := semver.tag_version(tag))}
    ordered = sorted(versions, key=lambda tag: versions[tag], reverse=True)
    return [semver.tag_name(tag) for tag in ordered]


def crossed(src: str | None, old: str, new: str) -> list[VersionNote]:
    """Versions after ``old`` up to and including ``new``, oldest first."""
    low, high = semver.order(old), semver.order(new)
    if low is None or high is None:
        return []
    notes = [
        note
        for note in available(src)
        if (found := semver.order(note.version)) is not None and low < found <= high
    ]
    return list(reversed(notes))


def remote_tags(src: str) -> list[str]:
    """Tag names of the git repository ``src`` (path or URL), read once per process."""
    return list(tag_commits(src))


def tag_commits(src: str) -> dict[str, str]:
    """Tag name -> object id of the git repository ``src`` (cached while its refs stay)."""
    location = _location(src)
    key = (location, _refs_signature(location))
    if key not in _TAGS:
        _TAGS[key] = _remote_refs(location, src, "--tags")
    return _TAGS[key]


_TAGS: dict[tuple[str, tuple[int, ...]], dict[str, str]] = {}


_SHORTHANDS = (
    (re.compile(r"^gh:/?(.*\.git)$"), r"https://github.com/\1"),
    (re.compile(r"^gh:/?(.*)$"), r"https://github.com/\1.git"),
    (re.compile(r"^gl:/?(.*\.git)$"), r"https://gitlab.com/\1"),
    (re.compile(r"^gl:/?(.*)$"), r"https://gitlab.com/\1.git"),
    (re.compile(r"^git\+"), ""),
)
"""copier's spellings of a git source that git itself does not read: ``gh:``/``gl:``
shorthands and the ``git+`` prefix (``git+https://host/repo``, ``git+file:///path``)."""


def git_location(src: str) -> str:
    """``src`` as git reads it (copier's ``gh:``, ``gl:`` and ``git+`` spellings expanded)."""
    for pattern, replacement in _SHORTHANDS:
        if pattern.match(src):
            return pattern.sub(replacement, src, count=1)
    return src


def _location(src: str) -> str:
    path = Path(src).expanduser()
    if path.exists():
        return str(path.absolute())  # absolute: one folder, one entry
    return git_location(src)


def _refs_signature(location: str) -> tuple[int, ...]:
    """When ``location`` is a local repository, the times its tags last changed."""
    path = Path(location)
    if not path.is_dir():
        return ()
    git_dir = path / ".git" if (path / ".git").is_dir() else path
    return tuple(
        (git_dir / name).stat().st_mtime_ns if (git_dir / name).exists() else 0
        for name in ("packed-refs", "refs/tags")
    )


def _remote_refs(location: str, src: str, kind: str) -> dict[str, str]:
    proc = run(
        "ls-remote", kind, "--refs", "--", location,
        cwd=Path.cwd(), env=OUTSIDE_ANY_REPOSITORY, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise _unreadable(src, location, proc.stderr.decode("utf-8", "replace"))
    prefix = "refs/tags/" if kind == "--tags" else "refs/heads/"
    refs = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        sha, _, name = line.partition("\t")
        refs[name.removeprefix(prefix)] = sha
    return refs


_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")


def _unreadable(src: str, location: str, stderr: str) -> TemplateSourceError:
    """The error for a source git cannot list: a missing path said plainly, else git's reason."""
    if "://" not in src and not _SCP_LIKE.match(src) and not Path(location).exists():
        return TemplateSourceError(
            f"The template {src} does not exist.",
            "Give a folder with a copier.yml, a git repository, or a git URL.",
        )
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    fatal = [line.removeprefix("fatal: ") for line in lines if line.startswith("fatal: ")]
    reason = (fatal or lines or ["git could not read it"])[0]
    return TemplateSourceError(
        f"Cannot read the template {src}: {reason}",
        "Check the path or URL and your network, then retry.",
    )


def match_tag(src: str, ref: str, tags: list[str] | None = None) -> str:
    """Accept ``0.1.0`` for a tag ``v0.1.0`` (and the reverse) in another template.

    A branch name or a commit id is passed through for copier to check out.
    ``tags``: the source's tags when the caller already read them.
    """
    tags = remote_tags(src) if tags is None else tags
    for candidate in (ref, f"v{ref}", ref.removeprefix("v")):
        if candidate in tags:
            return candidate
    if re.fullmatch(r"[0-9a-f]{7,40}", ref) or ref in _remote_refs(_location(src), src, "--heads"):
        return ref
    known = ", ".join(sorted(tags, reverse=True)) or "none"
    raise UnknownVersionError(
        f"Template version '{ref}' does not exist in {src}.",
        f"Its tagged versions: {known}.",
    )
