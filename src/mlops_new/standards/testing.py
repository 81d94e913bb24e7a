"""TST: tests exist, are configured, and guard coverage."""

from __future__ import annotations

import re
from typing import Any

from mlops_new.standards.inputs import Repo, is_fixture, mapping
from mlops_new.standards.model import Check, Outcome, Severity
from mlops_new.standards.python import no_python
from mlops_new.standards.runners import runs

_TEST_FILE = re.compile(r"(^|/)(tests?/.*\.py|test_[^/]*\.py|[^/]*_test\.py)$")


_FAIL_UNDER = re.compile(r"^\s*fail_under\s*=", re.MULTILINE)
_FAIL_UNDER_FLAG = re.compile(r"--(cov-)?fail-under")
_COVERAGE_SECTIONS = ("coverage:report", "report")
CODECOV_FILES = (
    "codecov.yml", ".codecov.yml", "codecov.yaml", ".codecov.yaml", ".github/codecov.yml",
    ".github/.codecov.yml", "dev/codecov.yml", ".github/codecov.yaml",
)  # fmt: skip
_PYTEST_FILES = ("pytest.ini", ".pytest.ini", "setup.cfg", "tox.ini", "Makefile", "noxfile.py")


def pytest_config(repo: Repo) -> str:
    """The file that configures pytest (``""`` when none does).

    ``setup.cfg`` counts only with a ``[tool:pytest]`` section, ``tox.ini`` only
    with ``[pytest]``: both files usually hold other tools' settings.
    """
    pytest = repo.tool("pytest")
    if pytest:
        return "pyproject.toml"
    if found := repo.first("pytest.ini", ".pytest.ini"):
        return found
    nested = [f for f in repo.files if f.endswith(("/pytest.ini", "/.pytest.ini"))]
    if found := next((f for f in nested if not is_fixture(f)), ""):
        return found  # e.g. config/pytest.ini, passed with -c by the task runner
    if "tool:pytest" in repo.ini_sections("setup.cfg"):
        return "setup.cfg"
    if "pytest" in repo.ini_sections("tox.ini"):
        return "tox.ini"
    return ""


def _codecov_status(repo: Repo) -> bool:
    """A Codecov config whose commit statuses are on: a pull request that drops coverage
    below the project's (or patch's) target fails its status check."""
    name = repo.first(*CODECOV_FILES)
    if not name:
        return False
    config = mapping(repo.yaml(name))
    if _flag_statuses(mapping(config.get("flag_management"))):
        return True
    status = mapping(config.get("coverage")).get("status", True)
    if status is False or status == "off":
        return False
    if not isinstance(status, dict):
        return True
    return any(_enforced(status.get(kind, True)) for kind in ("project", "patch"))


def _flag_statuses(flags: dict[str, Any]) -> bool:
    """Whether ``flag_management`` sets a status that is not informational: a target each
    uploaded flag must reach (great_expectations: project 80%, patch 90%)."""
    rules = [mapping(flags.get("default_rules"))]
    individual = flags.get("individual_flags")
    rules += [mapping(flag) for flag in (individual if isinstance(individual, list) else [])]
    statuses = [rule.get("statuses") for rule in rules]
    return any(
        isinstance(status, dict) and not status.get("informational", False)
        for listed in statuses
        if isinstance(listed, list)
        for status in listed
    )


def _enforced(status: object) -> bool:
    """Whether a Codecov ``project``/``patch`` status can fail a pull request: it is on, and
    not every one of its named statuses is off or ``informational`` (reported, never failed).
    """
    if status is False or status == "off":
        return False
    if not isinstance(status, dict):
        return True
    named = [value for value in status.values() if isinstance(value, dict)]
    if not named:
        return not status.get("informational", False)
    return any(not value.get("informational", False) for value in named)


class Tests(Check):
    family = "tests"


class TST001(Tests):
    """Test files: `tests/**.py`, `test_*.py` or `*_test.py`, or behave's `*.feature` files."""

    applies = "the repository has Python files or a `pyproject.toml`"
    id = "TST001"
    title = "Has tests"
    path = "tests"
    fix = "Add tests under `tests/` (`tests/test_*.py`) and run them with `pytest`."

    def check(self, repo: Repo) -> Outcome:
        if (skip := no_python(repo)) is not None:
            return skip
        files = repo.python_files
        first = [f for f in files if f.startswith(("tests/", "test/"))]  # where they usually are
        return any(_TEST_FILE.search(f) for f in (*first, *files)) or any(
            f.endswith(".feature") for f in repo.files
        )


class TST002(Tests):
    """A pytest configuration makes `pytest` behave the same everywhere:
    `[tool.pytest.ini_options]` or pytest 9's `[tool.pytest]` in `pyproject.toml`,
    `pytest.ini`, `.pytest.ini`, `[pytest]` in `tox.ini` or `[tool:pytest]` in `setup.cfg`
    (a `setup.cfg` or `tox.ini` without that section configures other tools, not pytest).
    """

    applies = "every repository"
    id = "TST002"
    severity = Severity.info
    title = "pytest is configured"
    path = "pyproject.toml"
    requires = ("TST001",)
    fix = (
        "Configure pytest in `[tool.pytest.ini_options]` (or pytest 9's `[tool.pytest]`) of "
        "`pyproject.toml` (`--strict-markers`, `testpaths`)."
    )

    def check(self, repo: Repo) -> Outcome:
        return bool(pytest_config(repo))


class TST003(Tests):
    """A coverage floor keeps coverage from silently dropping: `fail_under` in
    `[tool.coverage.report]`, `.coveragerc`, or the `[coverage:report]` section of
    `setup.cfg`/`tox.ini`, `--cov-fail-under` in pytest's options or the CI commands, or a
    Codecov config (`codecov.yml`, `.codecov.yml`, `.github/codecov.yml`) with its commit
    statuses on, which fail a pull request that drops coverage below the target.
    """

    applies = "every repository"
    id = "TST003"
    severity = Severity.info
    title = "A coverage floor is set"
    path = "pyproject.toml"
    requires = ("TST001",)
    fix = "Set `fail_under` in `[tool.coverage.report]` so that coverage cannot silently drop."

    def check(self, repo: Repo) -> Outcome:
        report = (repo.tool("coverage") or {}).get("report")
        if isinstance(report, dict) and "fail_under" in report:
            return True
        if _FAIL_UNDER.search(repo.text(".coveragerc") or ""):
            return True
        for ini in ("setup.cfg", "tox.ini"):
            sections = repo.ini_sections(ini)
            if any(_FAIL_UNDER.search(sections.get(s, "")) for s in _COVERAGE_SECTIONS):
                return True
        texts = [str(repo.tool("pytest") or ""), *(repo.text(f) or "" for f in _PYTEST_FILES)]
        if any("--cov-fail-under" in text for text in texts):
            return True
        return _codecov_status(repo) or runs(repo, repo.ci_commands, _FAIL_UNDER_FLAG)


CHECKS: tuple[type[Check], ...] = (TST001, TST002, TST003)
