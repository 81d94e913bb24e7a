"""State a team shares: one MLflow server, one DVC remote, and a teammate's clone.

The project is created with ``-d mlflow_tracking_uri=http://127.0.0.1:PORT``, the
README's team set-up: a real ``mlflow server`` (from the project's own locked
environment, on loopback, with its own database and artifact folder) plays the
team's server, and the DVC remote is pointed at a shared folder with ``dvc remote
modify local url`` (what the README says to run). One clone trains, pushes the
data and models, and pushes git to a bare origin; a teammate's clone elsewhere
(its own HOME, DVC cache and no ``mlflow.db``) pulls, changes
``promote.threshold`` and re-runs the pipeline: only ``promote`` and what
follows it run, against the same registry version (issue 22, item 3).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.commands import project_env, run, uv, uv_binary
from tests.template import matrix

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("team")]

NAME = "team-project"

REGISTRY_QUERY = """
import json, sys
from mlflow.tracking import MlflowClient
client = MlflowClient(sys.argv[1])
versions = client.search_model_versions(f"name = '{sys.argv[2]}'")
champion = client.get_registered_model(sys.argv[2]).aliases.get("champion")
print(json.dumps({
    "champion": None if champion is None else str(champion),
    "runs": {v.version: v.run_id for v in versions},
    "promoted": {v.version: v.tags.get("promoted") for v in versions},
}))
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mlflow server exited {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"mlflow server did not answer in 120 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The first clone (locked, synced, committed), the running server and the shared folders."""
    root = tmp_path_factory.mktemp("team")
    url = f"http://127.0.0.1:{_free_port()}"
    project = root / "alice" / "project"
    answers = matrix.valid({"project_name": NAME, "python_version": "3.11"})
    answers["mlflow_tracking_uri"] = url
    matrix.render(matrix.template_copy(root / "template"), project, answers)
    uv("lock", cwd=project)
    run(["git", "init", "--quiet", "--initial-branch", "main"], project)
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "--message", "Generated"], project)
    uv("sync", "--locked", cwd=project)
    server_dir = root / "mlflow-server"
    server_dir.mkdir()
    log = server_dir / "server.log"
    argv = [uv_binary(), "run", "--no-sync", "mlflow", "server", "--host", "127.0.0.1"]
    argv += ["--port", url.rsplit(":", 1)[1], "--workers", "1"]
    argv += ["--backend-store-uri", f"sqlite:///{server_dir / 'mlflow.db'}"]
    argv += ["--artifacts-destination", (server_dir / "artifacts").as_uri()]
    with log.open("wb") as output:
        server = subprocess.Popen(
            argv,
            cwd=project,
            env=project_env(project),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(url, server, log)
        yield {"root": root, "project": project, "url": url}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _registry(project: Path, url: str) -> dict[str, Any]:
    output = uv("run", "python", "-c", REGISTRY_QUERY, url, NAME, cwd=project)
    document: dict[str, Any] = json.loads(output.splitlines()[-1])
    return document


def _stages_run(output: str) -> list[str]:
    return [line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage")]


def test_a_teammates_clone_re_runs_promote_against_the_shared_server(team: dict[str, Any]) -> None:
    project, url, root = team["project"], team["url"], team["root"]
    shared = root / "shared-dvc-remote"  # the folder every machine mounts
    uv("run", "dvc", "remote", "modify", "local", "url", str(shared), cwd=project)
    uv("run", "dvc", "repro", cwd=project)
    assert not (project / "mlflow.db").exists(), "runs went to a local store, not the server"
    first = _registry(project, url)
    assert first["champion"] == "1"
    assert len(first["runs"]) == 1
    uv("run", "dvc", "push", cwd=project)
    assert any(shared.rglob("*")), "dvc push wrote nothing to the shared remote"
    origin = root / "origin.git"
    run(["git", "init", "--quiet", "--bare", str(origin)], root)
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "--message", "Trained the first model"], project)
    run(["git", "push", "--quiet", str(origin), "HEAD:main"], project)

    clone = root / "bob" / "project"
    clone.parent.mkdir()
    run(["git", "clone", "--quiet", "--branch", "main", str(origin), str(clone)], clone.parent)
    uv("sync", "--locked", cwd=clone)
    uv("run", "dvc", "pull", cwd=clone)
    assert (clone / "models" / "model.joblib").is_file()
    params_file = clone / "params.yaml"
    params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    params["promote"]["threshold"] = 0.9
    params_file.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")

    output = uv("run", "dvc", "repro", cwd=clone)

    stages = _stages_run(output)
    assert "promote" in stages, output
    assert {"prepare", "train", "evaluate"}.isdisjoint(stages), output
    assert not (clone / "mlflow.db").exists(), "the clone made a local store of its own"
    after = _registry(clone, url)
    assert after["runs"] == first["runs"], "the clone registered a second version"
    assert after["champion"] == "1"
    assert after["promoted"] == {"1": "true"}
    lineage = json.loads((clone / "models" / "lineage.json").read_text(encoding="utf-8"))
    assert lineage["run_id"] == first["runs"]["1"]
    assert lineage["promotion"]["threshold"] == 0.9
