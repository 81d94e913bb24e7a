"""``link_project``: adopt an existing repository without rewriting its files."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlops_new import catalog, template_store
from mlops_new.answers import ANSWERS_FILE, read_answers
from mlops_new.create import user_defaults
from mlops_new.drift import pristine
from mlops_new.errors import NotAProjectError
from mlops_new.git import git, identity
from mlops_new.project import Project, repo_root, require_clean
from mlops_new.results import LinkResult


def link_project(
    path: Path,
    *,
    ref: str | None = None,
    template: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> LinkResult:
    """Record answers and a base template version in ``path`` and commit them.

    Only the answers file is written: the repository's own files stay as they
    are, and a later ``update`` merges template changes into them as edits.
    """
    path = path.expanduser().resolve()
    root = repo_root(path)
    if (path / ANSWERS_FILE).exists():
        raise NotAProjectError(
            f"'{path}' already has {ANSWERS_FILE}: it is linked to a template.",
            "Use `mlops-new update` to move it to another version.",
        )
    require_clean(Project(path=path, repo_root=root, answers={}))
    src, tag = _source(template, ref)
    answers = {**user_defaults(path.name, identity(path)), **(data or {})}
    with pristine(src, tag, answers) as clean:
        shutil.copy2(clean / ANSWERS_FILE, path / ANSWERS_FILE)
    recorded = read_answers(path)
    version = str(recorded["_commit"]).removeprefix("v")
    git("add", "--", ANSWERS_FILE, cwd=path)
    git(
        "commit",
        "--quiet",
        "--no-verify",
        "-m",
        f"Link to mlops-new template v{version}",
        "--",
        ANSWERS_FILE,
        cwd=path,
    )
    return LinkResult(
        path=path,
        template_src=src,
        template_version=version,
        answers={k: v for k, v in recorded.items() if not k.startswith("_")},
        git_commit=git("rev-parse", "HEAD", cwd=path),
    )


def _source(template: str | None, ref: str | None) -> tuple[str, str]:
    if template is None:
        entry = template_store.latest() if ref is None else template_store.find(ref)
        return template_store.STORE_SRC, entry.tag
    if ref is None:
        tags = catalog.available(template)
        if not tags:
            raise NotAProjectError(
                f"The template {template} has no version tags to link to.",
                "Pass --ref with a tag, branch or commit.",
            )
        return template, tags[0].version
    return template, catalog.match_tag(template, ref)
