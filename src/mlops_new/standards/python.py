"""PY: Python packaging and tooling."""

from __future__ import annotations

import re

from mlops_new.standards.general import restore_hint
from mlops_new.standards.inputs import Repo, is_fixture, mapping, steps
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity
from mlops_new.standards.runners import runs
from mlops_new.standards.tools import LINTERS, TYPE_CHECKERS, configured

LOCK_FILES = (
    "uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock", "requirements.lock",
    "conda-lock.yml", "pixi.lock",
)  # fmt: skip
_PUBLISH = re.compile(
    r"(?<![\w-])(twine upload|uv publish|poetry publish|hatch publish|flit publish|pdm publish"
    r"|maturin publish)(?![\w-])"
)
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-\[\], ]*===?\s*[^\s*,;]+\s*(;.*)?(\\)?$")


def pins(text: str | None) -> bool:
    """Whether a requirements file pins every requirement it lists (``name==1.2.3``)."""
    lines = [line.split(" #")[0].strip() for line in (text or "").splitlines()]
    requirements = [
        line for line in lines
        if line and not line.startswith(("#", "-", "--hash")) and "://" not in line
    ]  # fmt: skip
    return bool(requirements) and all(_PIN.match(line) for line in requirements)


def library(repo: Repo) -> str:
    """Why the project is a library, published for others to install (``""`` when it is an
    application: a generated project, a DVC pipeline, or nothing says it is published).

    A library's users resolve its dependencies against their own; it declares ranges,
    and a lock file is an application's standard (PY003).
    """
    if repo.generated or repo.has("dvc.yaml"):
        return ""
    uses = [
        str(step.get("uses", ""))
        for workflow in repo.github_workflows.values()
        for job in mapping(workflow.get("jobs")).values()
        for step in steps(job)
    ]
    if any(u.startswith("pypa/gh-action-pypi-publish") for u in uses):
        return "its CI publishes it to PyPI (`pypa/gh-action-pypi-publish`)"
    if runs(repo, repo.ci_commands, _PUBLISH):
        return "its CI publishes it to PyPI"
    data = mapping(repo.pyproject)
    declared = mapping(data.get("project")) or mapping(mapping(data.get("tool")).get("poetry"))
    if "classifiers" in declared:
        return f"`{repo.pyproject_name}` declares PyPI classifiers"
    if re.search(r"\bclassifiers\s*=", repo.text(f"{repo.project_dir}setup.py") or ""):
        return "`setup.py` declares PyPI classifiers"
    return ""


def no_python(repo: Repo) -> NotApplicable | None:
    if not repo.python_files and not repo.has("pyproject.toml"):
        return NotApplicable("no Python code")
    return None


class Python(Check):
    family = "python"


class PY001(Python):
    """`pyproject.toml` is the one place that describes a Python project and its tools. When
    the folder has none but all its Python code lives in one sub-folder with its own (an R
    project with a Python helper package in `python/`), that one is judged, here and by the
    other PY and TST checks.
    """

    applies = "the repository has Python files or a `pyproject.toml`"
    id = "PY001"
    title = "Has a valid pyproject.toml"
    path = "pyproject.toml"
    fix = "Describe the project in `pyproject.toml` (PEP 621 `[project]` table)."

    def check(self, repo: Repo) -> Outcome:
        if (skip := no_python(repo)) is not None:
            return skip
        name = repo.pyproject_name
        if name in repo.parse_errors or (repo.has(name) and repo.pyproject is None):
            return Fail(f"`{name}` is not valid TOML: {repo.parse_errors.get(name)}.", name, 1)
        return repo.pyproject is not None

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, "pyproject.toml", self.fix)


class PY002(Python):
    """`name` and `requires-python` let tools install and test the right thing. Poetry 1's
    `[tool.poetry]` (`name`, `dependencies.python`) and a `setup.py` with `name=` and
    `python_requires=` (or a dict of them passed to `setup(**config)`, or `setup.cfg`'s
    `[metadata] name` and `[options] python_requires`) declare them too.
    """

    applies = "every repository"
    id = "PY002"
    title = "Declares its name and supported Python versions"
    path = "pyproject.toml"
    requires = ("PY001",)
    fix = "Set `name` and `requires-python` in the `[project]` table of `pyproject.toml`."

    def path_for(self, repo: Repo) -> str:
        return repo.pyproject_name

    def check(self, repo: Repo) -> Outcome:
        project = mapping(repo.pyproject).get("project")
        poetry = repo.tool("poetry") or {}
        if not isinstance(project, dict) and poetry:
            python = mapping(poetry.get("dependencies")).get("python")
            missing = [k for k, v in (("name", poetry.get("name")), ("python", python)) if not v]
            return f"`[tool.poetry]` lacks {', '.join(missing)}." if missing else True
        if not isinstance(project, dict):
            if _setup_declares(repo, "name") and _setup_declares(repo, "python_requires"):
                return True
            return "`pyproject.toml` has no `[project]` table."
        missing = [key for key in ("name", "requires-python") if key not in project]
        return f"`[project]` lacks {', '.join(missing)}." if missing else True


def _setup_declares(repo: Repo, key: str) -> bool:
    """Whether setuptools gets ``key`` from ``setup.py`` (``name=...``, or a ``"name": ...``
    of the dict passed as ``setup(**config)``, as great_expectations does) or from
    ``setup.cfg`` (``[metadata] name``, ``[options] python_requires``)."""
    setup = repo.text("setup.py") or ""
    if re.search(rf"\b{key}\s*=|[\"']{key}[\"']\s*:", setup):
        return True
    section = repo.ini_sections("setup.cfg").get("metadata" if key == "name" else "options", "")
    return bool(re.search(rf"(?m)^\s*{key}\s*=\s*\S", section))


class PY003(Python):
    """A lock file (`uv.lock`, `poetry.lock`, `pdm.lock`, `pylock.toml`, `Pipfile.lock`,
    `pixi.lock`, `conda-lock.yml`), or a `requirements*.txt` that pins every requirement
    with `==`, makes every environment, CI and image identical. A requirements file with
    ranges (`torch>=2.0`) is not a lock, and a git-ignored lock file locks nothing for
    anyone else. A library (its CI publishes it to PyPI, or `pyproject.toml` or `setup.py`
    declares PyPI classifiers) declares ranges for its users to resolve: without a lock it
    skips.
    """

    applies = (
        "applications (a generated project, a DVC pipeline, a service, any project not "
        "published as a library); a library with a lock file passes, without one it skips"
    )
    id = "PY003"
    title = "Dependencies are locked"
    path = "uv.lock"
    requires = ("PY001",)
    fix = "Lock the environment with `uv lock` and commit `uv.lock`."

    def check(self, repo: Repo) -> Outcome:
        lock = repo.first(*LOCK_FILES, *(f"{repo.project_dir}{name}" for name in LOCK_FILES))
        if lock or repo.matching(r"(.*/)?(pylock\.[^/]+\.toml|[^/]*conda-lock\.ya?ml)$", "lock"):
            return True
        pattern = r"(.*/)?requirements([^/]*\.txt|[^/]*\.lock|/.*\.txt)$"
        found = [f for f in repo.matching(pattern, "requirements") if not is_fixture(f)]
        loose = [f for f in found if not pins(repo.text(f))]
        if found and not loose:
            return True
        if reason := library(repo):
            return NotApplicable(f"a library ({reason}): a lock file is an application's")
        if loose:
            return Fail(f"`{loose[0]}` does not pin every requirement with `==`.", loose[0], 1)
        return "No lock file, and no `requirements*.txt` that pins every dependency with `==`."


class PY004(Python):
    """A linter catches bugs before review. ruff, flake8 and pylint all count, configured in
    `pyproject.toml`, their own files (any folder), `setup.cfg` or `tox.ini`, or run by git
    hooks or CI.
    """

    applies = "every repository"
    id = "PY004"
    title = "A linter is configured (ruff, flake8 or pylint)"
    path = "pyproject.toml"
    requires = ("PY001",)
    fix = (
        "Configure ruff in `[tool.ruff]` of `pyproject.toml` (or `ruff.toml`); flake8 and "
        "pylint count too, in their own files, `setup.cfg`, `tox.ini` or pre-commit."
    )

    def check(self, repo: Repo) -> Outcome:
        return bool(configured(repo, LINTERS))


class PY005(Python):
    """Type checking catches bugs before run time. mypy, pyright (or basedpyright), ty and
    pyrefly all count, configured in `pyproject.toml`, their own files, `setup.cfg`, or run
    by git hooks or CI.
    """

    applies = "every repository"
    id = "PY005"
    severity = Severity.info
    title = "A type checker is configured (mypy, pyright, ty or pyrefly)"
    path = "pyproject.toml"
    requires = ("PY001",)
    fix = (
        "Configure mypy in `[tool.mypy]` of `pyproject.toml` (`strict = true`); pyright, ty "
        "and pyrefly count too."
    )

    def check(self, repo: Repo) -> Outcome:
        return bool(configured(repo, TYPE_CHECKERS))


CHECKS: tuple[type[Check], ...] = (PY001, PY002, PY003, PY004, PY005)
