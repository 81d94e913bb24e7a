"""TRK: experiment tracking configured from the environment, its store kept out of git."""

from __future__ import annotations

import re

from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, NotApplicable, Outcome

_HARD_CODED = re.compile(
    r"""set_tracking_uri\(\s*[rbuf]?["']"""
    r"""|environ\[\s*["']MLFLOW_TRACKING_URI["']\s*\]\s*=\s*[rbuf]?["']"""
)
_TEST = re.compile(r"(^|/)(tests?/|test_[^/]*\.py$|conftest\.py$)")
"""Tests may point MLflow at a throw-away store."""
_STORE = re.compile(r"^(mlruns|mlartifacts)/|(^|/)mlflow\.db$")


def _no_mlflow(repo: Repo) -> NotApplicable | None:
    return None if repo.uses_mlflow else NotApplicable("the project does not use MLflow")


class Tracking(Check):
    family = "tracking"


class TRK001(Tracking):
    id = "TRK001"
    title = "The tracking URI is not hard-coded"
    fix = (
        "Read it from `MLFLOW_TRACKING_URI` (e.g. `os.environ.get('MLFLOW_TRACKING_URI') or "
        "DEFAULT`) and pass that to `mlflow.set_tracking_uri`."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_mlflow(repo)) is not None:
            return skip
        code = [f for f in repo.python_files if not _TEST.search(f)]
        hits = [f for f in code if _HARD_CODED.search(repo.text(f) or "")]
        return f"Hard-coded in {', '.join(f'`{f}`' for f in hits)}." if hits else True


class TRK002(Tracking):
    id = "TRK002"
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
        return f"Committed: {', '.join(f'`{f}`' for f in stored[:5])}." if stored else True


CHECKS: tuple[type[Check], ...] = (TRK001, TRK002)
