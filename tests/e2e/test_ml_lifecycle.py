"""The generated project's ML lifecycle, end to end, on the working template.

One project (defaults, MLflow, FastAPI, with ``notebooks=true``) rendered from
``template/`` and driven through what an ML engineer does with it, in order:
the pipeline with its lineage (MLflow run, registry, ``champion`` alias, /health),
a rejected retrain that must move neither the alias nor the served champion, the
model card regenerated, the data check failing and passing, ``make sweep`` on a
2-point grid, and the notebook executed. The steps share one project, so they
are one module run in file order.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.commands import CommandFailedError, run, uv, uv_binary
from tests.template import matrix

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("lifecycle")]

NAME = "lifecycle-project"
PACKAGE = "lifecycle_project"
ANSWERS = {"project_name": NAME, "python_version": "3.11", "notebooks": True}

REGISTRY_QUERY = """
import json, sys
from mlflow.tracking import MlflowClient
client = MlflowClient("sqlite:///mlflow.db")
name = sys.argv[1]
versions = client.search_model_versions(f"name = '{name}'")
champion = client.get_registered_model(name).aliases.get("champion")
runs = {}
for version in versions:
    run = client.get_run(version.run_id)
    runs[version.version] = {
        "run_id": version.run_id,
        "metrics": run.data.metrics,
        "params": run.data.params,
        "datasets": {d.dataset.name: d.dataset.digest for d in run.inputs.dataset_inputs},
    }
print(json.dumps({"champion": None if champion is None else str(champion), "versions": runs}))
"""

SWEEP_QUERY = """
import json, sys
import mlflow
mlflow.set_tracking_uri("sqlite:///mlflow.db")
runs = mlflow.search_runs(experiment_names=[sys.argv[1]], output_format="list")
runs = [run for run in runs if "dvc.experiment" in run.data.tags]
print(json.dumps([
    {
        "experiment": run.data.tags["dvc.experiment"],
        "C": run.data.params["model.C"],
        "cv_accuracy": run.data.metrics.get("cv_accuracy", 0),
    }
    for run in runs
]))
"""

HEALTH_QUERY = f"""
import json
from fastapi.testclient import TestClient
from {PACKAGE}.serving.app import create_app
print(json.dumps(TestClient(create_app()).get("/health").json()))
"""

FAILING_CHECK = """

# Added by the test: a rule the bundled data breaks.
SCHEMA = (*SCHEMA, Check("mean radius", "< 10", lambda values: values < 10))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered project, locked, committed and synced with the notebooks group."""
    root = tmp_path_factory.mktemp("lifecycle")
    project = root / "project"
    matrix.render(matrix.template_copy(root / "template"), project, matrix.valid(ANSWERS))
    uv("lock", cwd=project)
    run(["git", "init", "--quiet"], project)
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "--message", "Generated"], project)
    uv("sync", "--locked", "--group", "notebooks", cwd=project)
    return project


def _registry(project: Path) -> dict[str, Any]:
    output = uv("run", "python", "-c", REGISTRY_QUERY, NAME, cwd=project)
    document: dict[str, Any] = json.loads(output.splitlines()[-1])
    return document


def _lock_md5(project: Path, path: str) -> str:
    lock = yaml.safe_load((project / "dvc.lock").read_text("utf-8"))
    for stage in lock["stages"].values():
        for out in stage.get("outs", []):
            if out["path"] == path:
                return str(out["md5"])
    raise AssertionError(f"{path} is not an output in dvc.lock")


def _set_params(project: Path, **sections: dict[str, Any]) -> None:
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text("utf-8"))
    for section, values in sections.items():
        params[section].update(values)
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def test_pipeline_records_one_lineage_and_promotes_the_first_model(project: Path) -> None:
    uv("run", "dvc", "repro", cwd=project)
    assert json.loads(uv("run", "dvc", "status", "--json", cwd=project)) == {}
    registry = _registry(project)
    assert registry["champion"] == "1"
    version = registry["versions"]["1"]
    assert {"train_accuracy", "cv_accuracy", "test_accuracy", "test_roc_auc"} <= set(
        version["metrics"]
    )
    assert version["params"]["promote.threshold"] == "0.95"
    assert version["datasets"] == {
        "train": _lock_md5(project, "data/prepared/train.csv"),
        "test": _lock_md5(project, "data/prepared/test.csv"),
    }
    lineage = json.loads((project / "models" / "lineage.json").read_text("utf-8"))
    assert lineage["run_id"] == version["run_id"]
    assert lineage["model_md5"] == _lock_md5(project, "models/model.joblib")
    assert lineage["model_md5"] == _lock_md5(project, "models/candidate/model.joblib")
    assert lineage["promotion"]["promoted"] is True
    assert lineage["commit"] == run(["git", "describe", "--always", "--dirty"], project).strip()
    status = sorted(run(["git", "status", "--porcelain"], project).splitlines())
    assert status == ["?? dvc.lock", "?? metrics/", "?? plots/", "?? reports/"]


def test_health_reports_the_served_models_lineage(project: Path) -> None:
    health = json.loads(uv("run", "python", "-c", HEALTH_QUERY, cwd=project).splitlines()[-1])
    assert health["model_loaded"] is True
    assert len(health["features"]) == 30
    assert health["lineage"] == {
        "registry_version": "1",
        "run_id": _registry(project)["versions"]["1"]["run_id"],
        "data_md5": _lock_md5(project, "data/prepared/train.csv"),
        "model_md5": _lock_md5(project, "models/model.joblib"),
        "promoted": True,
    }
    labels = uv("run", "python", "-m", PACKAGE, "lineage", cwd=project).splitlines()
    assert "MODEL_VERSION=1" in labels


def test_a_rejected_retrain_is_registered_once_but_neither_served_nor_shipped(
    project: Path,
) -> None:
    card_before = (project / "reports" / "model_card.md").read_text("utf-8")
    champion_md5 = _lock_md5(project, "models/model.joblib")
    _set_params(project, model={"C": 0.5}, promote={"threshold": 0.9999})
    uv("run", "dvc", "repro", cwd=project)
    assert json.loads(uv("run", "dvc", "status", "--json", cwd=project)) == {}

    registry = _registry(project)
    assert set(registry["versions"]) == {"1", "2"}
    assert registry["champion"] == "1", "the alias moved to a model below the threshold"
    candidate = json.loads((project / "models" / "candidate" / "lineage.json").read_text("utf-8"))
    assert candidate["promotion"]["promoted"] is False
    assert candidate["registry_version"] == "2"
    assert candidate["model_md5"] == _lock_md5(project, "models/candidate/model.joblib")
    assert candidate["model_md5"] != champion_md5

    # What the service loads and what the image and the release ship: the champion.
    assert _lock_md5(project, "models/model.joblib") == champion_md5
    served = json.loads((project / "models" / "lineage.json").read_text("utf-8"))
    assert (served["registry_version"], served["promotion"]["promoted"]) == ("1", True)
    health = json.loads(uv("run", "python", "-c", HEALTH_QUERY, cwd=project).splitlines()[-1])
    assert health["lineage"]["model_md5"] == champion_md5
    assert health["lineage"]["promoted"] is True
    labels = uv("run", "python", "-m", PACKAGE, "lineage", cwd=project).splitlines()
    assert f"MODEL_MD5={champion_md5}" in labels
    assert "MODEL_VERSION=1" in labels
    with pytest.raises(CommandFailedError, match="was not promoted"):
        uv(
            "run",
            "python",
            "-m",
            PACKAGE,
            "lineage",
            "--model",
            "models/candidate/model.joblib",
            cwd=project,
        )

    # Promoting the same model again registers no second version.
    uv("run", "python", "-m", PACKAGE, "promote", cwd=project)
    assert set(_registry(project)["versions"]) == {"1", "2"}

    card = (project / "reports" / "model_card.md").read_text("utf-8")
    assert card != card_before, "the model card was not regenerated"
    assert "| model.C | `0.5` |" in card
    assert "Promotion: not promoted" in card
    assert candidate["data_md5"] in card


def test_the_data_check_stops_the_pipeline_then_passes(project: Path) -> None:
    schema = project / "src" / PACKAGE / "schema.py"
    original = schema.read_text("utf-8")
    schema.write_text(original + FAILING_CHECK, encoding="utf-8")
    with pytest.raises(CommandFailedError) as failed:
        uv("run", "dvc", "repro", cwd=project)
    assert "column 'mean radius' breaks rule '< 10'" in str(failed.value)

    schema.write_text(original, encoding="utf-8")
    uv("run", "dvc", "repro", cwd=project)
    assert json.loads(uv("run", "dvc", "status", "--json", cwd=project)) == {}


def test_make_sweep_runs_a_two_point_grid(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    monkeypatch.setenv("PATH", f"{Path(uv_binary()).parent}{os.pathsep}{os.environ['PATH']}")
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "--message", "Pipeline results"], project)
    output = run(["make", "sweep"], project, timeout=1800)
    assert "roc_auc" in output
    shown = json.loads(uv("run", "dvc", "exp", "show", "--json", cwd=project))
    experiments = [
        exp
        for baseline in shown
        for experiment in baseline.get("experiments") or []
        for exp in experiment.get("revs") or []
    ]
    assert len(experiments) == 2, shown
    values = set()
    for exp in experiments:
        data = exp["data"]
        values.add(data["params"]["params.yaml"]["data"]["model"]["C"])
        assert data["metrics"]["metrics/metrics.json"]["data"]["roc_auc"] > 0.9
    assert values == {0.1, 1.0}
    assert _registry(project)["champion"] == "1", "a sweep must not promote"
    # Each experiment's MLflow run is in the project's store, not in its temporary copy.
    # (C=1.0 is the committed pipeline's: DVC restores its stages from the run cache.)
    runs = json.loads(uv("run", "python", "-c", SWEEP_QUERY, NAME, cwd=project).splitlines()[-1])
    new = [
        exp["name"]
        for exp in experiments
        if exp["data"]["params"]["params.yaml"]["data"]["model"]["C"] == 0.1
    ]
    assert [(run["experiment"], run["C"]) for run in runs] == [(new[0], "0.1")], runs
    assert runs[0]["cv_accuracy"] > 0.9, runs


def test_the_notebook_is_stripped_and_executes(project: Path) -> None:
    notebook = "notebooks/exploration.ipynb"
    uv("run", "--group", "notebooks", "nbstripout", "--verify", notebook, cwd=project)
    uv("run", "--group", "notebooks", "jupyter", "execute", notebook, cwd=project)
