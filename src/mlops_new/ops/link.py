"""``link_project``: adopt an existing repository without rewriting its files."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlops_new.core import bounded
from mlops_new.core.bounded import InputError, read_text
from mlops_new.core.errors import MlopsNewError, NotAProjectError
from mlops_new.core.git import git, identity
from mlops_new.core.results import LinkResult
from mlops_new.inputs.answers import ANSWERS_FILE, read_answers, user_defaults, validate_answers
from mlops_new.inputs.settings import Settings
from mlops_new.project.facts import dependency_names
from mlops_new.project.model import Project, repo_root, require_clean
from mlops_new.templates import source
from mlops_new.templates.render import rendered
from mlops_new.templates.schema import question_map


def link_project(
    path: Path,
    *,
    ref: str | None = None,
    template: str | None = None,
    data: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    trust: bool = False,
) -> LinkResult:
    """Record answers and a base template version in ``path`` and commit them.

    The answers describe what the repository is (:func:`infer_answers`), then
    the settings' preset answers, then ``data`` (``-d``), then the policy's
    locked answers, which ``data`` may not change. Only the answers file is
    written: the repository's own files stay as they are, and a later
    ``update`` merges template changes into them as edits. ``trust``: the
    template's Jinja extensions may load in the render (its tasks never run).
    """
    path = path.expanduser().resolve()
    root = repo_root(path)
    if (path / ANSWERS_FILE).exists():
        raise NotAProjectError(
            f"'{path}' already has {ANSWERS_FILE}: it is linked to a template.",
            "Use `mlops-new update` to move it to another version.",
        )
    require_clean(Project(path=path, repo_root=root, answers={}))
    settings = settings or Settings()
    template = template or settings.template
    target = (
        source.resolve(template, ref) if ref or not template else source.newest_tagged(template)
    )
    if data:  # an answer to a question the template does not ask is a typo
        validate_answers(data, question_map(target))
    inferred = infer_answers(path) if target.bundled else {}
    # What the repository is (inferred) yields to the settings and the user (-d).
    defaults = {**user_defaults(path.name, identity(path)), **inferred}
    answers = {**defaults, **settings.project_answers(data or {})}
    with rendered(target, answers, trust=trust) as clean:
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


_LICENCES = (
    ("Apache-2.0", re.compile(r"Apache License,?\s+Version 2\.0", re.I)),
    ("MIT", re.compile(r"\bMIT License\b|Permission is hereby granted, free of charge", re.I)),
    ("BSD-3-Clause", re.compile(r"Neither the name of .{0,200} nor the names", re.I | re.S)),
    ("Proprietary", re.compile(r"\b(proprietary|all rights reserved)\b", re.I)),
)
_LICENCE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "COPYING")


def infer_answers(path: Path) -> dict[str, Any]:
    """What the repository already is, as answers of the bundled template.

    Package and project name from ``pyproject.toml`` (or the one package under
    ``src/``), description, licence from the LICENSE file (none: Proprietary,
    since no licence grants no rights), CI provider, tracking, serving and
    Docker. What cannot be told is left to the defaults and ``-d``.
    """
    project = _pyproject(path).get("project")
    project = project if isinstance(project, dict) else {}
    found: dict[str, Any] = {}
    name = project.get("name")
    if isinstance(name, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_. -]*[A-Za-z0-9]", name):
        found["project_name"] = name
    package = _package(path, name if isinstance(name, str) else None)
    if package:
        found["package_name"] = package
    description = project.get("description")
    if isinstance(description, str) and description.strip() and "\n" not in description:
        found["description"] = description.strip()
    if (licence := _licence(path)) is not None:
        found["license"] = licence
    found["ci"] = _ci(path)
    deps = dependency_names(_pyproject(path), _read(path / "requirements.txt"))
    found["tracking"] = "mlflow" if "mlflow" in deps else "dvclive" if "dvclive" in deps else "none"
    found["serving"] = "fastapi" if "fastapi" in deps else "none"
    found["docker"] = (path / "Dockerfile").is_file()
    return found


def _read(path: Path) -> str:
    try:
        return read_text(path, 256 * 1024)
    except MlopsNewError:
        return ""


def _pyproject(path: Path) -> dict[str, Any]:
    try:
        return bounded.load_toml(_read(path / "pyproject.toml"), str(path / "pyproject.toml"))
    except InputError:
        return {}


def _package(path: Path, name: str | None) -> str | None:
    src = path / "src"
    packages = sorted(p.parent.name for p in src.glob("*/__init__.py")) if src.is_dir() else []
    if len(packages) == 1 and packages[0].isidentifier():
        return packages[0].lower()
    if name:
        candidate = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
        if candidate.isidentifier() and ((path / candidate).is_dir() or candidate in packages):
            return candidate
    return None


def _licence(path: Path) -> str | None:
    for name in _LICENCE_FILES:
        if (path / name).is_file():
            text = _read(path / name)
            return next((spdx for spdx, pattern in _LICENCES if pattern.search(text)), None)
    return "Proprietary"


def _ci(path: Path) -> str:
    if (path / ".gitlab-ci.yml").is_file():
        return "gitlab"
    workflows = path / ".github" / "workflows"
    if workflows.is_dir() and any(workflows.glob("*.y*ml")):
        return "github"
    return "none"
