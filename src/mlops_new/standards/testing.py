"""TST: tests exist, are configured, and guard coverage."""

from __future__ import annotations

import re

from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, Outcome
from mlops_new.standards.python import no_python

_TEST_FILE = re.compile(r"(^|/)(tests?/.*\.py|test_[^/]*\.py|[^/]*_test\.py)$")


class Tests(Check):
    family = "tests"


class TST001(Tests):
    id = "TST001"
    title = "Has tests"
    path = "tests"
    fix = "Add tests under `tests/` (`tests/test_*.py`) and run them with `pytest`."

    def check(self, repo: Repo) -> Outcome:
        if (skip := no_python(repo)) is not None:
            return skip
        return any(_TEST_FILE.search(f) for f in repo.python_files)


class TST002(Tests):
    id = "TST002"
    title = "pytest is configured"
    path = "pyproject.toml"
    requires = ("TST001",)
    fix = "Configure pytest in `[tool.pytest.ini_options]` (`--strict-markers`, `testpaths`)."

    def check(self, repo: Repo) -> Outcome:
        return (repo.tool("pytest") or {}).get("ini_options") is not None or repo.has(
            "pytest.ini", "tox.ini", "setup.cfg"
        )


class TST003(Tests):
    id = "TST003"
    title = "A coverage floor is set"
    path = "pyproject.toml"
    requires = ("TST001",)
    fix = "Set `fail_under` in `[tool.coverage.report]` so that coverage cannot silently drop."

    def check(self, repo: Repo) -> Outcome:
        report = (repo.tool("coverage") or {}).get("report")
        in_pyproject = isinstance(report, dict) and "fail_under" in report
        in_rc = "fail_under" in (repo.text(".coveragerc") or "")
        return in_pyproject or in_rc


CHECKS: tuple[type[Check], ...] = (TST001, TST002, TST003)
