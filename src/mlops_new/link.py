"""``link_project``: adopt an existing repository without rewriting its files."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlops_new import source
from mlops_new.answers import ANSWERS_FILE, read_answers, user_defaults
from mlops_new.errors import NotAProjectError
from mlops_new.git import git, identity
from mlops_new.project import Project, repo_root, require_clean
from mlops_new.render import rendered
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
    target = (
        source.resolve(template, ref) if ref or not template else source.newest_tagged(template)
    )
    answers = {**user_defaults(path.name, identity(path)), **(data or {})}
    with rendered(target, answers) as clean:
        shutil.copy2(clean / ANSWERS_FILE, path / ANSWERS_FILE)
    recorded = read_answers(path)
    version = source.bare(str(recorded["_commit"])) or str(recorded["_commit"])
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
        template_src=target.src,
        template_version=version,
        answers={k: v for k, v in recorded.items() if not k.startswith("_")},
        git_commit=git("rev-parse", "HEAD", cwd=path),
    )
