"""PY: Python packaging and tooling."""

from __future__ import annotations

from mlops_new.standards.general import restore_hint
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, NotApplicable, Outcome

LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock")


def no_python(repo: Repo) -> NotApplicable | None:
    if not repo.python_files and not repo.has("pyproject.toml"):
        return NotApplicable("no Python code")
    return None


class Python(Check):
    family = "python"


class PY001(Python):
    id = "PY001"
    title = "Has a valid pyproject.toml"
    path = "pyproject.toml"
    fix = "Describe the project in `pyproject.toml` (PEP 621 `[project]` table)."

    def check(self, repo: Repo) -> Outcome:
        if (skip := no_python(repo)) is not None:
            return skip
        if "pyproject.toml" in repo.parse_errors or (
            repo.has("pyproject.toml") and repo.pyproject is None
        ):
            return f"`pyproject.toml` is not valid TOML: {repo.parse_errors.get('pyproject.toml')}."
        return repo.pyproject is not None

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, "pyproject.toml", self.fix)


class PY002(Python):
    id = "PY002"
    title = "Declares its name and supported Python versions"
    path = "pyproject.toml"
    requires = ("PY001",)
    fix = "Set `name` and `requires-python` in the `[project]` table of `pyproject.toml`."

    def check(self, repo: Repo) -> Outcome:
        project = (repo.pyproject or {}).get("project")
        if not isinstance(project, dict):
            return "`pyproject.toml` has no `[project]` table."
        missing = [key for key in ("name", "requires-python") if key not in project]
        return f"`[project]` lacks {', '.join(missing)}." if missing else True


class PY003(Python):
    id = "PY003"
    title = "Dependencies are locked"
    path = "uv.lock"
    requires = ("PY001",)
    fix = "Lock the environment with `uv lock` and commit `uv.lock`."

    def check(self, repo: Repo) -> Outcome:
        return repo.has(*LOCK_FILES) or bool(repo.matching(r"requirements[^/]*\.txt$"))


class PY004(Python):
    id = "PY004"
    title = "A linter is configured (ruff)"
    path = "pyproject.toml"
    requires = ("PY001",)
    fix = "Configure ruff in `[tool.ruff]` of `pyproject.toml` (or `ruff.toml`)."

    def check(self, repo: Repo) -> Outcome:
        return repo.tool("ruff") is not None or repo.has("ruff.toml", ".ruff.toml")


class PY005(Python):
    id = "PY005"
    title = "A type checker is configured (mypy)"
    path = "pyproject.toml"
    requires = ("PY001",)
    fix = "Configure mypy in `[tool.mypy]` of `pyproject.toml` (`strict = true`)."

    def check(self, repo: Repo) -> Outcome:
        return repo.tool("mypy") is not None or repo.has("mypy.ini", ".mypy.ini")


CHECKS: tuple[type[Check], ...] = (PY001, PY002, PY003, PY004, PY005)
