"""Projects rendered with non-default options work on day one, like the default one.

A covering subset of the option matrix (tests/template/matrix.py): with the default
project of test_generated_project.py, every value of every option runs at least once
through `uv lock`, `uv sync --locked`, the project's tests, ruff and strict mypy,
`dvc repro` (with its promotion, lineage and model card) and the tracking check (plus
`mkdocs build --strict` where docs are on).
PyTorch cells lock against the CPU wheel in /opt/wheels (see commands.point_torch_at).
Each cell is one test (its steps in order), so `pytest -n 2` spreads the cells.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.commands import local_torch_wheels, point_torch_at, run, uv
from tests.template import matrix

BASE = {"project_name": "cell-project", "python_version": "3.11"}
CELLS: dict[str, dict[str, Any]] = {
    "sklearn-dvclive-gitlab-s3": {
        "tracking": "dvclive",
        "ci": "gitlab",
        "dvc_remote": "s3",
        "docs": "none",
    },
    "sklearn-bare-docs": {
        "tracking": "none",
        "serving": "none",
        "ci": "none",
        "dvc_remote": "none",
        "license": "Proprietary",
    },
    "sklearn-no-docker-gcs": {
        "docker": False,
        "dvc_remote": "gcs",
        "docs": "none",
        "notebooks": True,
    },
    "pytorch-mlflow-ssh": {"framework": "pytorch", "dvc_remote": "ssh", "docs": "none"},
    "pytorch-gpu-dvclive-azure": {
        "framework": "pytorch",
        "gpu": True,
        "tracking": "dvclive",
        "serving": "none",
        "ci": "gitlab",
        "dvc_remote": "azure",
        "docs": "none",
    },
}
pytestmark = [pytest.mark.e2e]


def _cells() -> list[Any]:
    return [
        pytest.param(name, marks=pytest.mark.xdist_group(f"cell-{name}"), id=name) for name in CELLS
    ]


def test_cells_cover_every_value_of_every_option() -> None:
    """With the default project (test_generated_project.py), nothing goes untested."""
    seen = {
        (name, str(value))
        for answers in [{}, *CELLS.values()]
        for name, value in matrix.defaults(matrix.valid({**BASE, **answers})).items()
    }
    wanted = {(name, str(v)) for name, values in matrix.options().items() for v in values}
    wanted -= {
        (name, str(v)) for name in ("license", "python_version") for v in matrix.options()[name]
    }  # text-only differences, covered by the matrix
    assert wanted - seen == set()


def _prepare(name: str, root: Path) -> tuple[Path, dict[str, Any]]:
    """Render the cell, lock it (first commit, as mlops-new does) and `uv sync --locked`."""
    answers = matrix.valid({**BASE, **CELLS[name]})
    wheels = local_torch_wheels()
    if answers.get("framework") == "pytorch" and wheels is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the PyTorch cells: put the CPU torch wheel in /opt/wheels")
        pytest.skip("no CPU torch wheel in /opt/wheels (MLOPS_NEW_TORCH_WHEELS)")
    project = root / "project"
    answers = matrix.render(matrix.template_copy(root / "template"), project, answers)
    if answers["framework"] == "pytorch":
        point_torch_at(project, f"file://{wheels}")
    uv("lock", cwd=project)
    run(["git", "init", "--quiet"], project)
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "--message", "Generated"], project)
    uv("sync", "--locked", cwd=project)
    return project, answers


# One test per cell, its steps in order: pytest-xdist (3.8) cannot keep a group of
# tests on one worker under pytest 9.2 (loadgroup's nodeid suffix is ignored), so
# splitting a cell into several tests would prepare it on both workers.
@pytest.mark.parametrize("name", _cells())
def test_cell_works_on_day_one(name: str, tmp_path: Path) -> None:
    project, answers = _prepare(name, tmp_path)

    output = uv("run", "pytest", "-p", "no:cacheprovider", cwd=project)
    assert " passed" in output
    assert " failed" not in output
    for command in (["ruff", "check"], ["ruff", "format", "--check"], ["mypy"]):
        uv("run", *command, cwd=project)
    _check_dvc_config(project, answers, tmp_path / "scratch")

    uv("run", "dvc", "repro", cwd=project)
    metrics = json.loads((project / "metrics" / "metrics.json").read_text("utf-8"))
    assert metrics["accuracy"] > 0.9
    assert (project / "models" / answers["model_file"]).stat().st_size > 0
    assert json.loads(uv("run", "dvc", "status", "--json", cwd=project)) == {}
    lineage = json.loads((project / "models" / "lineage.json").read_text("utf-8"))
    assert lineage["promotion"]["promoted"] is True
    assert (project / "reports" / "model_card.md").read_text("utf-8").startswith("# Model card")
    _check_tracking(project, answers)
    _check_git_status(project, answers)

    if answers["docs"] == "mkdocs":
        _check_docs(project)


def _check_tracking(project: Path, answers: dict[str, Any]) -> None:
    shown = json.loads(uv("run", "dvc", "metrics", "show", "--json", cwd=project))
    files = shown[""]["data"]  # workspace
    assert files["metrics/metrics.json"]["data"]["accuracy"] > 0.9
    if answers["tracking"] == "dvclive":
        assert files["dvclive/metrics.json"]["data"]["train_accuracy"] > 0.9
        plots = json.loads(uv("run", "dvc", "plots", "show", "--json", cwd=project))
        if answers["framework"] == "pytorch":
            names = plots.get("data", plots)  # {"data": {plot file: ...}}
            assert any("dvclive/plots/metrics" in name for name in names), sorted(names)
        experiments = json.loads(uv("run", "dvc", "exp", "show", "--json", cwd=project))
        assert experiments, "dvc exp show found nothing"
    elif answers["tracking"] == "mlflow":
        runs = json.loads(
            uv("run", "python", "-c", MLFLOW_QUERY, answers["project_name"], cwd=project)
        )
        assert [r["status"] for r in runs] == ["FINISHED"]
        assert runs[0]["metrics"]["train_accuracy"] > 0.9
        assert runs[0]["metrics"]["test_accuracy"] > 0.9  # held-out metrics in the same run
        assert runs[0]["params"]["seed"] == str(
            yaml.safe_load((project / "params.yaml").read_text("utf-8"))["seed"]
        )
    else:
        assert not (project / "mlflow.db").exists()
        assert not (project / "dvclive").exists()


MLFLOW_QUERY = """
import json, sys
import mlflow
mlflow.set_tracking_uri("sqlite:///mlflow.db")
runs = mlflow.search_runs(experiment_names=[sys.argv[1]], output_format="list")
print(json.dumps([
    {"status": r.info.status, "params": r.data.params, "metrics": r.data.metrics} for r in runs
]))
"""


def _check_git_status(project: Path, answers: dict[str, Any]) -> None:
    """After `dvc repro`, git sees only what to commit; data, models and stores are ignored."""
    status = sorted(run(["git", "status", "--porcelain"], project).splitlines())
    expected = ["?? dvc.lock", "?? metrics/", "?? plots/", "?? reports/"]
    if answers["tracking"] == "dvclive":
        expected = sorted([*expected, "?? dvclive/"])
    assert status == expected


def _check_dvc_config(project: Path, answers: dict[str, Any], scratch: Path) -> None:
    """.dvc/config is byte for byte what `dvc init` + `dvc remote add -d` write."""
    scratch.mkdir()
    run(["git", "init", "--quiet"], scratch)
    dvc = str(project / ".venv" / "bin" / "dvc")
    run([dvc, "init", "--quiet"], scratch)
    if answers["dvc_remote"] != "none":
        run([dvc, "remote", "add", "--default", "storage", answers["dvc_remote_url"]], scratch)
    expected = (scratch / ".dvc" / "config").read_text("utf-8")
    assert (project / ".dvc" / "config").read_text("utf-8") == expected


def _check_docs(project: Path) -> None:
    """`mkdocs build --strict` from the docs group; the site is git-ignored."""
    uv("run", "--locked", "--group", "docs", "mkdocs", "build", "--strict", cwd=project)
    assert (project / "site" / "index.html").is_file()
    status = run(["git", "status", "--porcelain", "--ignored", "site"], project)
    assert status.startswith("!! site/"), "the built site must be git-ignored"
