"""TRK: experiment tracking configured from the environment, its store kept out of git."""

from __future__ import annotations

import re

from mlops_new.inputs.answers import ANSWERS_FILE
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


TRACKERS = {
    "wandb": ("Weights & Biases", r"^(.*/)?wandb/(run-|offline-run-|latest-run|debug)"),
    "aim": ("Aim", r"^(.*/)?\.aim/"),
    "neptune": ("Neptune", r"^(.*/)?\.neptune/"),
    "comet-ml": ("Comet", r"^(.*/)?\.cometml-runs/"),
    "clearml": ("ClearML", r"^(.*/)?clearml\.conf$"),
}
"""Trackers other than MLflow, and the local files each leaves that are not source (ClearML's
``clearml.conf`` holds the API credentials)."""
_IMPORTED = re.compile(r"(import|from)\s+(wandb|clearml|comet_ml|neptune|aim)\b")


def trackers(repo: Repo) -> list[str]:
    """The trackers besides MLflow the project depends on or imports (``TRACKERS`` keys)."""
    imported = {
        match[2].replace("_", "-")
        for hit in repo.hits.get("tracker_import", [])
        if not is_fixture(hit.path) and (match := _IMPORTED.search(hit.text))
    }
    return [name for name in TRACKERS if name in repo.dependencies or name in imported]


class TRK003(Tracking):
    """Weights & Biases' `wandb/run-*` folders, Aim's `.aim/`, Neptune's `.neptune/` and Comet's
    `.cometml-runs/` are local copies of runs the tracker's server holds, and ClearML's
    `clearml.conf` holds its API keys: none belongs in git.
    """

    applies = (
        "the project uses W&B, ClearML, Comet, Neptune or Aim (a dependency or an import), in a "
        "git repository"
    )
    id = "TRK003"
    severity = Severity.error
    title = "Other trackers' local runs and credentials are not committed"
    path = ".gitignore"
    fix = (
        "`git rm -r --cached wandb/` (or `.aim/`, `.neptune/`, `.cometml-runs/`, "
        "`clearml.conf`), git-ignore it, and rotate ClearML keys that were committed."
    )

    def check(self, repo: Repo) -> Outcome:
        used = trackers(repo)
        if not used:
            return NotApplicable("the project uses no tracker besides MLflow")
        if not repo.is_git:
            return NotApplicable("not a git repository")
        stores = re.compile("|".join(TRACKERS[name][1] for name in used))
        stored = [f for f in repo.tracked if stores.match(f) and not is_fixture(f)]
        if not stored:
            return True
        return Fail(f"Committed: {', '.join(f'`{f}`' for f in stored[:5])}.", stored[0], 1)


class TRK004(Tracking):
    """A project whose answers record MLflow (`tracking: mlflow`) keeps its runs and model
    registry on a tracking server the team shares (`mlflow_tracking_uri: https://...` or
    `databricks`), not in the SQLite file `mlflow.db` of the machine that trained: a
    teammate's clone, and CI's jobs, cannot see a run or a registered version there.
    """

    applies = "the template answers record `tracking: mlflow`"
    id = "TRK004"
    severity = Severity.info
    title = "Runs and the registry go to a shared MLflow server"
    path = ANSWERS_FILE
    fix = (
        "Point the project at the team's server: `mlops-new update -d "
        "mlflow_tracking_uri=https://mlflow.example.com` (or set MLFLOW_TRACKING_URI in CI "
        "and waive this check with that reason)."
    )

    def check(self, repo: Repo) -> Outcome:
        if repo.answer("tracking") != "mlflow":
            return NotApplicable("the template answers do not record MLflow tracking")
        uri = str(repo.answer("mlflow_tracking_uri") or "")
        if uri.startswith(("http://", "https://", "databricks")):
            return True
        where = f"`{uri}`" if uri else "the SQLite file `mlflow.db`"
        return Fail(
            f"Runs and registered models go to {where} on this machine: a teammate's clone "
            "and CI cannot see them.",
            ANSWERS_FILE,
            repo.line_of(ANSWERS_FILE, r"^mlflow_tracking_uri:"),
        )


CHECKS: tuple[type[Check], ...] = (TRK001, TRK002, TRK003, TRK004)
