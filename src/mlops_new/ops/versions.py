"""``list_versions``: the versions a template offers, the project's own marked."""

from __future__ import annotations

from pathlib import Path

from mlops_new.core import semver
from mlops_new.core.results import VersionsResult
from mlops_new.inputs.answers import read_answers
from mlops_new.inputs.settings import Settings
from mlops_new.templates import store
from mlops_new.templates.catalog import available


def _bare(ref: str) -> str:
    return semver.bare(ref) if semver.is_version(ref) else ref


def list_versions(template: str | None, path: Path, settings: Settings) -> VersionsResult:
    """The versions of ``template``.

    Without ``template``: the project's at ``path``, else the settings' template (the one
    ``create`` would use), else the bundled one.
    """
    answers = read_answers(path) if path.is_dir() else {}
    src = template or answers.get("_src_path") or settings.template or store.STORE_SRC
    if src == store.STORE_SRC:
        store.ensure_store()  # listed versions can be cloned: docs/organisations.md, step 1
    commit = answers.get("_commit") if answers.get("_src_path") == src else None
    return VersionsResult(
        template_src=str(src),
        versions=tuple(available(str(src))),
        project_version=_bare(str(commit)) if commit else None,
    )
