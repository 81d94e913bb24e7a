"""The versions a template source offers (bundled manifest, or another template's tags)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_new import template_store, versions
from mlops_new.errors import TemplateSourceError, UnknownVersionError
from mlops_new.git import OUTSIDE_ANY_REPOSITORY, run

if TYPE_CHECKING:  # the result types load with the commands that return them, not with `check`
    from mlops_new.results import VersionNote, VersionsResult


def available(src: str | None) -> list[VersionNote]:
    """Versions of ``src`` (``None`` or the store: the bundled template), newest first."""
    from mlops_new.results import VersionNote  # noqa: PLC0415

    if src is None or src == template_store.STORE_SRC:
        return [
            VersionNote(entry.version, entry.summary)
            for entry in reversed(template_store.manifest())
        ]
    return [VersionNote(version, "") for version in version_names(src)]


def version_names(src: str | None) -> list[str]:
    """The versions of :func:`available`, without their notes."""
    if src is None or src == template_store.STORE_SRC:
        return [entry.version for entry in reversed(template_store.manifest())]
    tags = remote_tags(src)
    semver = [tag for tag in tags if versions.is_version(tag)]
    return [versions.bare(tag) for tag in sorted(semver, key=versions.parse, reverse=True)]


def crossed(src: str | None, old: str, new: str) -> list[VersionNote]:
    """Versions after ``old`` up to and including ``new``, oldest first."""
    if not (versions.is_version(old) and versions.is_version(new)):
        return []
    low, high = versions.parse(old), versions.parse(new)
    notes = [note for note in available(src) if low < versions.parse(note.version) <= high]
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


def _location(src: str) -> str:
    return str(Path(src).expanduser()) if Path(src).expanduser().exists() else src


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
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        reason = (stderr.splitlines() or ["unknown error"])[-1]
        raise TemplateSourceError(
            f"Cannot read the template {src}: {reason}",
            "Check the path or URL and your network, then retry.",
        )
    prefix = "refs/tags/" if kind == "--tags" else "refs/heads/"
    refs = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        sha, _, name = line.partition("\t")
        refs[name.removeprefix(prefix)] = sha
    return refs


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


def _bare(ref: str) -> str:
    return versions.bare(ref) if versions.is_version(ref) else ref


def list_versions(template: str | None, path: Path) -> VersionsResult:
    """The versions of ``template`` (else the project's at ``path``, else the bundled one)."""
    from mlops_new.answers import read_answers  # noqa: PLC0415
    from mlops_new.results import VersionsResult  # noqa: PLC0415

    answers = read_answers(path) if path.is_dir() else {}
    src = template or answers.get("_src_path") or template_store.STORE_SRC
    commit = answers.get("_commit") if answers.get("_src_path") == src else None
    return VersionsResult(
        template_src=str(src),
        versions=tuple(available(str(src))),
        project_version=_bare(str(commit)) if commit else None,
    )
