"""A generated project works on day one: its own tests, lint, pipeline and tracking.

Runs the project's commands in a shared, session-scoped render (``default_project``).
Needs the package index (or a warm uv cache) for ``uv sync``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cli import run_cli
from tests.support.commands import run, uv
from tests.template.matrix import expected_files

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover  (Python 3.10: the backport, in the test extra)
    import tomli as tomllib


def _parse_toml(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


TEST_METRICS = {"accuracy", "precision", "recall", "f1", "roc_auc"}
TRAIN_METRICS = {f"train_{name}" for name in TEST_METRICS} | {"cv_accuracy"}
HELD_OUT_METRICS = {f"test_{name}" for name in TEST_METRICS}
# Written by running tools, never by the project's tests.
TOOL_CACHES = (".venv/", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/", ".coverage")
# Jinja markers as the template writes them. GitHub expressions (${{ x }}) are
# removed first; {{x}} without spaces is left to other tools (docker/metadata-action).
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
JINJA_MARKER = re.compile(r"\{\{ |\{%|\{# ")

MLFLOW_QUERY = """
import json, sys
import mlflow
mlflow.set_tracking_uri("sqlite:///mlflow.db")
runs = mlflow.search_runs(experiment_names=[sys.argv[1]], output_format="list")
print(json.dumps([
    {"status": r.info.status, "params": r.data.params, "metrics": r.data.metrics} for r in runs
]))
"""


def _answers(project: Path) -> dict[str, Any]:
    answers: dict[str, Any] = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))
    return answers


def _tracked_files(project: Path) -> list[str]:
    return run(["git", "ls-files"], project).splitlines()


def _snapshot(project: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file outside .git and the tool caches."""
    files: dict[str, tuple[int, int]] = {}
    for path in project.rglob("*"):
        rel = path.relative_to(project).as_posix()
        skipped = rel.startswith((".git/", *TOOL_CACHES)) or "__pycache__" in rel
        if path.is_file() and not skipped:
            files[rel] = (path.stat().st_size, path.stat().st_mtime_ns)
    return files


def test_expected_files_are_generated(default_project: Path) -> None:
    """Exactly the template's files for these answers, plus the lock `create` writes."""
    answers = {k: v for k, v in _answers(default_project).items() if not k.startswith("_")}
    assert set(_tracked_files(default_project)) == expected_files(answers) | {"uv.lock"}


def test_no_jinja_leftovers_and_clean_text(default_project: Path) -> None:
    problems = []
    for rel in _tracked_files(default_project):
        text = (default_project / rel).read_bytes().decode("utf-8")
        if JINJA_MARKER.search(GITHUB_EXPRESSION.sub("", text)):
            problems.append(f"{rel}: Jinja marker left over")
        if (text and not text.endswith("\n")) or text.endswith("\n\n"):
            problems.append(f"{rel}: must end with exactly one newline")
        if any(line != line.rstrip() for line in text.splitlines()):
            problems.append(f"{rel}: trailing whitespace")
    assert problems == []


def test_structured_files_parse(default_project: Path) -> None:
    parsed = {}
    for rel in _tracked_files(default_project):
        text = (default_project / rel).read_text("utf-8")
        if rel.endswith((".yml", ".yaml")):
            parsed[rel] = yaml.safe_load(text)
        elif rel.endswith(".toml") or rel == "uv.lock":
            parsed[rel] = _parse_toml(text)
        elif rel.endswith(".json"):
            parsed[rel] = json.loads(text)
    # The loop must have seen the files that matter (an empty listing passes nothing).
    for rel in ("pyproject.toml", "uv.lock", "dvc.yaml", "params.yaml", ".copier-answers.yml"):
        assert parsed.get(rel), f"{rel} was not parsed (or is empty)"


def test_lock_file_is_current(default_project: Path) -> None:
    uv("lock", "--check", cwd=default_project)


def test_generated_tests_pass_without_writing_to_the_project(synced: Path) -> None:
    before = _snapshot(synced)
    output = uv("run", "pytest", "-p", "no:cacheprovider", cwd=synced)
    assert " passed" in output
    assert " failed" not in output
    assert _snapshot(synced) == before


@pytest.mark.parametrize(
    "command",
    [["ruff", "check"], ["ruff", "format", "--check"], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_lint_is_clean(synced: Path, command: list[str]) -> None:
    uv("run", *command, cwd=synced)


def test_pipeline_writes_metrics_model_and_plots(reproduced: Path) -> None:
    metrics = json.loads((reproduced / "metrics" / "metrics.json").read_text("utf-8"))
    assert set(metrics) == TEST_METRICS
    assert metrics["accuracy"] > 0.9
    assert (reproduced / "models" / "model.joblib").stat().st_size > 0
    roc = (reproduced / "plots" / "roc.csv").read_text("utf-8")
    assert roc.startswith("fpr,tpr\n")
    assert (reproduced / "plots" / "confusion.csv").is_file()


def test_pipeline_is_up_to_date_after_repro(reproduced: Path) -> None:
    assert json.loads(uv("run", "dvc", "status", "--json", cwd=reproduced)) == {}


def test_mlflow_recorded_the_training_run(reproduced: Path) -> None:
    experiment = _answers(reproduced)["project_name"]
    runs = json.loads(
        uv("run", "python", "-c", MLFLOW_QUERY, experiment, cwd=reproduced).splitlines()[-1]
    )
    assert len(runs) == 1
    params = yaml.safe_load((reproduced / "params.yaml").read_text("utf-8"))
    assert runs[0]["status"] == "FINISHED"
    assert runs[0]["params"] == {
        "seed": str(params["seed"]),
        "data.test_size": str(params["data"]["test_size"]),
        "model.C": str(params["model"]["C"]),
        "model.max_iter": str(params["model"]["max_iter"]),
        "promote.metric": str(params["promote"]["metric"]),
        "promote.threshold": str(params["promote"]["threshold"]),
        **{f"monitor.{key}": str(value) for key, value in params["monitor"].items()},
    }
    # One run per model: training metrics, then the held-out ones from evaluate.
    assert set(runs[0]["metrics"]) == TRAIN_METRICS | HELD_OUT_METRICS
    assert runs[0]["metrics"]["cv_accuracy"] > 0.9


def test_git_sees_only_what_to_commit_after_repro(reproduced: Path) -> None:
    status = run(["git", "status", "--porcelain"], reproduced).splitlines()
    assert sorted(status) == ["?? dvc.lock", "?? metrics/", "?? plots/", "?? reports/"]
    for ignored in ("data/prepared/train.csv", "models/model.joblib", "mlflow.db", "mlruns/"):
        run(["git", "check-ignore", "--quiet", ignored], reproduced)


def test_dvc_push_reaches_the_default_local_remote(reproduced: Path) -> None:
    uv("run", "dvc", "push", cwd=reproduced)
    assert json.loads(uv("run", "dvc", "status", "--cloud", "--json", cwd=reproduced)) == {}
    url = re.search(r"^\s*url = (.+)$", (reproduced / ".dvc" / "config").read_text("utf-8"), re.M)
    assert url is not None, "no remote url in .dvc/config"
    storage = (reproduced / ".dvc" / url.group(1)).resolve()  # relative to .dvc/, like DVC
    assert not storage.is_relative_to(reproduced), "the default remote must be outside the repo"
    assert any(path.is_file() for path in storage.rglob("*"))


def test_mlops_new_check_passes_on_day_one(default_project: Path) -> None:
    """The project meets every standard `mlops-new check` knows, as generated."""

    result = run_cli("check", str(default_project), "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["result"]["summary"]
    assert summary["fail"] == 0
    assert summary["pass"] >= 25
