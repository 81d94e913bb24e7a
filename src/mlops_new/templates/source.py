"""Where a template comes from and which version of it: one :class:`TemplateRef`, one resolver.

Every use case (create, update, link, fleet) names its template through
:func:`resolve`; nothing else strips a ``v`` from a tag or invents a
"latest" sentinel.  The bundled manifest and another template's tags are read
once per process (``store.manifest`` and ``catalog.remote_tags`` are
cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_new.core import semver
from mlops_new.core.errors import DowngradeError, TemplateSourceError
from mlops_new.templates import catalog, store


@dataclass(frozen=True)
class TemplateRef:
    """A template source and the git ref to render it at.

    ``tag`` is what copier checks out (a tag, branch or commit; ``None``: the
    source's newest, copier's choice); ``version`` is the bare version it
    stands for (``""`` when it is not a version, e.g. a branch).
    """

    src: str
    tag: str | None
    version: str
    commit: str = ""
    """The commit id when known without a checkout (bundled releases): a cache key."""

    @property
    def bundled(self) -> bool:
        return self.src == store.STORE_SRC

    @property
    def label(self) -> str:
        """How reports name the ref: its version, else its git ref, else ``unversioned``."""
        return self.version or self.tag or UNVERSIONED


UNVERSIONED = "unversioned"
"""The label of a template folder that is not a git repository (template development)."""


def bare(ref: str) -> str:
    """The version a tag names (``v0.1.0`` -> ``0.1.0``, ``v2`` -> ``2``), or ``""`` for a
    branch or commit (see :func:`mlops_new.core.semver.tag_version`)."""
    return semver.tag_name(ref)


def resolve(src: str | None, ref: str | None, *, prereleases: bool = False) -> TemplateRef:
    """The ref of ``src`` (``None``: the bundled template) at ``ref`` (``None``: its newest
    release, or with ``prereleases`` its newest version of all)."""
    if src is None or src == store.STORE_SRC:
        entry = store.latest() if ref is None else store.find(ref)
        store.ensure_store()
        return TemplateRef(store.STORE_SRC, entry.tag, entry.version, entry.commit)
    if ref is None and _plain_folder(src):
        return TemplateRef(src, None, "")
    tags = catalog.remote_tags(src)  # also proves the source is reachable
    if ref is not None:
        tag = catalog.match_tag(src, ref, tags)
        return TemplateRef(src, tag, bare(tag), catalog.tag_commits(src).get(tag, ""))
    newest = semver.newest_tag(tags, prereleases=prereleases)
    if newest is None:
        return TemplateRef(src, None, "")
    return TemplateRef(src, newest, bare(newest), catalog.tag_commits(src).get(newest, ""))


def _plain_folder(src: str) -> bool:
    """A local folder that is not a git repository: copier renders it as it is."""
    path = Path(src).expanduser()
    return path.is_dir() and not (path / ".git").exists() and not (path / "HEAD").is_file()


def newest_tagged(src: str) -> TemplateRef:
    """The newest version tag of ``src``, or a user error naming the missing tags."""
    target = resolve(src, None)
    if target.tag is None:
        raise TemplateSourceError(
            f"The template {src} has no version tags.",
            "Pass --ref with a tag, branch or commit.",
        )
    return target


def recorded(src: str, commit: str) -> TemplateRef:
    """The ref an answers file records (``_src_path``, ``_commit``), without a network call."""
    if src == store.STORE_SRC and semver.is_version(commit):
        entry = store.find(commit)
        return TemplateRef(src, entry.tag, entry.version, entry.commit)
    return TemplateRef(src, commit, bare(commit))


def update_target(current: TemplateRef, to: str | None) -> TemplateRef:
    """The ref a project on ``current`` updates to; never older than ``current``.

    Versions are ordered as PEP 440 orders them. A project on a pre-release
    follows pre-releases (its newest version of all); without ``to``, a project
    already past the newest version stays where it is, and an older ``to`` is refused.
    """
    mine = semver.order(current.version) if current.version else None
    target = resolve(current.src, to, prereleases=bool(mine is not None and mine.is_prerelease))
    theirs = semver.order(target.version) if target.version else None
    if mine is not None and theirs is not None and theirs < mine:
        if to is None and current.tag:
            return resolve(current.src, current.tag)  # past the newest release: stays
        raise DowngradeError(
            f"The project is on template v{current.version}; v{target.version} is older "
            "and mlops-new never downgrades.",
            "Pick a newer --to, or leave it out for the newest version.",
        )
    return target
