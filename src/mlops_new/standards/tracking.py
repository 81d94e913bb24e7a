"""TRK: experiment tracking configured from the environment, its store kept out of git."""

from __future__ import annotations

import re

from mlops_new.standards.inputs import Repo, is_fixture
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity
from mlops_new.standards.scan import Hit

_STORE = re.compile(r"^(mlruns|mlartifacts)/|(^|/)mlflow\.db$")


def _no_mlflow(repo: Repo) -> NotApplicable | None:
    return None if repo.uses_mlflow else NotApplicable("the project does not use MLflow")


_CALL = re.compile(r"set_tracking_uri\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)")
_FROM_ENV = re.compile(r"environ|getenv|config\[|settings\.|args\.")


def _literal(repo: Repo, hit: Hit) -> bool:
    """Whether the URI passed is a literal, or a name this file assigns without the environment."""
    call = _CALL.search(hit.text)
    if call is None:
        return True
    assigned = re.search(rf"^\s*{call[1]}\s*(?::[^=]+)?=\s*(.+)$", repo.text(hit.path) or "", re.M)
    return assigned is not None and not _FROM_ENV.search(assigned[1])


class Tracking(Check):
    family = "tracking"


class TRK001(Tracking):
    """`mlflow.set_tracking_uri` called with a string literal (or a name this file assigns a
    literal to), or assigning a literal to
    `os.environ["MLFLOW_TRACKING_URI"]`, ties the code to one server. A default used when
    `MLFLOW_TRACKING_URI` is unset is fine, and test files (`tests/`, `test_*.py`,
    `conftest.py`) may point MLflow at a throw-away store.
    """

    applies = (
        "the project uses MLflow (`tracking: mlflow`, an `mlflow` dependency, or code that "
        "imports it)"
    )
    id = "TRK001"
    title = "The tracking URI is not hard-coded"
    fix = (
        "Read it from `MLFLOW_TRACKING_URI` (e.g. `os.environ.get('MLFLOW_TRACKING_URI') or "
        "DEFAULT`) and pass that to `mlflow.set_tracking_uri`."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_mlflow(repo)) is not None:
            return skip
        hits = [
            hit for hit in repo.hits.get("mlflow_uri", [])
            if hit.path.endswith(".py") and not is_fixture(hit.path) and _literal(repo, hit)
        ]  # fmt: skip
        if not hits:
            return True
        names = ", ".join(dict.fromkeys(f"`{hit.path}`" for hit in hits))
        return Fail(f"Hard-coded in {names}.", hits[0].path, hits[0].line)


class TRK002(Tracking):
    """`mlruns/`, `mlartifacts/` and `mlflow.db` are a local store, not source."""

    applies = "the project uses MLflow, in a git repository"
    id = "TRK002"
    severity = Severity.error
    title = "The local tracking store is not committed"
    path = ".gitignore"
    fix = (
        "`git rm -r --cached mlruns mlflow.db` and add `/mlruns/`, `/mlartifacts/`, "
        "`/mlflow.db` to `.gitignore`."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_mlflow(repo)) is not None:
            return skip
        if not repo.is_git:
            return NotApplicable("not a git repository")
        stored = [f for f in repo.tracked if _STORE.search(f)]
        if not stored:
            return True
        return Fail(f"Committed: {', '.join(f'`{f}`' for f in stored[:5])}.", stored[0], 1)


CHECKS: tuple[type[Check], ...] = (TRK001, TRK002)
