"""The generated Dockerfile really builds, and the image serves /health as a non-root user.

Built with buildah against local stand-ins of the base images (see ``buildah.py``),
for the default (scikit-learn) project and for the CPU image of a PyTorch project.
The PyTorch build installs torch from the CPU wheel in /opt/wheels, served on
127.0.0.1 (chroot isolation shares the host network) as the project's flat
``pytorch-cpu`` index. Skipped where buildah or debootstrap is missing, except under
``CI=true``, where that is a failure: CI installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import buildah
from tests.support.buildah import Buildah, Container
from tests.support.commands import local_torch_wheels, point_torch_at
from tests.template import matrix

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.xdist_group("e2e")]

PORT = "8000"
# Dev and train dependencies must stay out of the serving image.
NOT_IN_IMAGE = ("pytest", "ruff", "mypy", "dvc", "mlflow")
# The default project, and a PyTorch one (its build gets its own xdist group).
KINDS = [
    pytest.param("sklearn", id="sklearn"),
    pytest.param("pytorch-cpu", id="pytorch-cpu", marks=pytest.mark.xdist_group("docker-pytorch")),
]


@pytest.fixture(scope="module")
def bh() -> Iterator[Buildah]:
    reason = buildah.unavailable_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must build the image, but {reason}")
        pytest.skip(reason)
    with buildah.session() as store:
        yield store


def _run(argv: list[str], cwd: Path) -> None:
    # The project's own environment and local tracking store, whatever the caller's.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MLFLOW_TRACKING_URI")}
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{argv} failed in {cwd}:\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module", params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def torch_index() -> Iterator[str]:
    """The folder of the CPU torch wheel over HTTP on 127.0.0.1, for builds to reach."""
    wheels = local_torch_wheels()
    if wheels is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must build the PyTorch image: put the CPU torch wheel in /opt/wheels")
        pytest.skip("no CPU torch wheel in /opt/wheels (MLOPS_NEW_TORCH_WHEELS)")
    port = buildah.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=wheels,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture(scope="module")
def build_context(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A copy of the generated project with its lock file and trained model, as CI has it."""
    uv = str(buildah.uv_binary())
    if kind == "pytorch-cpu":
        root = tmp_path_factory.mktemp("docker-pytorch")
        project = root / "pytorch-project"
        # The CPU torch wheel on disk is built for CPython 3.11 (the template's default is newer).
        answers = {
            "project_name": "pytorch-project",
            "framework": "pytorch",
            "python_version": "3.11",
        }
        matrix.render(matrix.template_copy(root / "template"), project, answers)
        point_torch_at(project, request.getfixturevalue("torch_index"))
        _run(["git", "init", "--quiet"], project)
    else:
        default_project: Path = request.getfixturevalue("default_project")
        project = tmp_path_factory.mktemp("docker") / default_project.name
        shutil.copytree(
            default_project, project, symlinks=True, ignore=shutil.ignore_patterns(".venv")
        )
    if not (project / "uv.lock").is_file():
        _run([uv, "lock"], project)
    model = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))
    model_file = "model.pt" if model.get("framework") == "pytorch" else "model.joblib"
    if not (project / "models" / model_file).is_file():
        _run([uv, "run", "--locked", "dvc", "repro"], project)
    return project


@pytest.fixture(scope="module")
def image(bh: Buildah, build_context: Path) -> Iterator[str]:
    buildah.ensure_base_images(bh, build_context / "Dockerfile")
    tag = f"localhost/mlops-new-e2e-{uuid.uuid4().hex[:12]}:test"
    try:
        buildah.build(bh, build_context, tag)
        yield tag
    finally:
        bh.remove_image(tag)


@pytest.fixture(scope="module")
def config(bh: Buildah, image: str) -> dict[str, Any]:
    return bh.image_config(image)


@dataclass(frozen=True)
class Served:
    """The image's own CMD running in a container, and its first answer on /health."""

    container: Container
    port: int
    status: int
    body: bytes


@pytest.fixture(scope="module")
def served(
    bh: Buildah, image: str, config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """Run CMD on a free port (chroot isolation shares the host network) until /health answers.

    A port can still be taken between choosing and binding it: then retry on another.
    """
    logs = tmp_path_factory.mktemp("serve")
    for attempt in range(3):
        port = buildah.free_port()
        command = [str(port) if arg == PORT else arg for arg in config["Cmd"]]
        with buildah.running(bh, image, command, logs / f"server-{attempt}.log") as container:
            try:
                status, body = buildah.wait_for_http(f"http://127.0.0.1:{port}/health", container)
            except RuntimeError:
                if "address already in use" in container.output() and attempt < 2:
                    continue
                raise
            yield Served(container, port, status, body)
            return


def test_base_images_are_pinned(default_project: Path) -> None:
    images = buildah.base_images((default_project / "Dockerfile").read_text(encoding="utf-8"))
    assert images, "the Dockerfile names no base image"
    for ref in images:
        _, _, tag = ref.rpartition(":")
        assert tag not in ("", "latest"), f"{ref} is not pinned to a tag"
        assert "/" not in tag, f"{ref} is not pinned to a tag"


def test_image_config(config: dict[str, Any]) -> None:
    user = config.get("User", "")
    assert user.split(":")[0] not in ("", "0", "root"), f"image runs as {user!r}"
    assert f"{PORT}/tcp" in (config.get("ExposedPorts") or {})
    assert config["Cmd"][0] == "uvicorn", config["Cmd"]
    assert PORT in config["Cmd"], f"CMD does not serve on port {PORT}: {config['Cmd']}"
    healthcheck = config.get("Healthcheck") or {}
    assert healthcheck.get("Test", [""])[0] == "CMD", f"no exec-form HEALTHCHECK: {healthcheck}"
    assert f":{PORT}/health" in " ".join(healthcheck["Test"]), healthcheck


def test_image_serves_health(served: Served) -> None:
    assert served.status == 200, (
        f"/health answered {served.status}: {served.body!r}\n{served.container.output()}"
    )
    health = json.loads(served.body)
    assert health.get("model_loaded", True) is True, f"the image serves no model: {health}"


def test_healthcheck_passes(served: Served, config: dict[str, Any]) -> None:
    probe = [arg.replace(f":{PORT}/", f":{served.port}/") for arg in config["Healthcheck"]["Test"]]
    served.container.exec(*probe[1:])  # raises, with its output, unless it exits 0


def test_runs_as_non_root(served: Served) -> None:
    uid = served.container.exec("python", "-c", "import os; print(os.getuid())")
    assert uid.strip() != "0"


def test_image_holds_model_and_no_dev_dependencies(served: Served) -> None:
    container = served.container
    script = (
        "import importlib.util, os, sys; "
        "print(os.path.isfile(os.environ.get('MODEL_PATH', 'models/model.joblib'))); "
        "print(os.path.exists('/app/models/candidate')); "
        f"print([m for m in {NOT_IN_IMAGE!r} if importlib.util.find_spec(m)])"
    )
    model, candidate, extras = container.exec("python", "-c", script).splitlines()[-3:]
    assert model == "True", "the image has no model at MODEL_PATH"
    assert candidate == "False", "the image holds the candidate, not only the champion"
    assert extras == "[]", f"dev/train dependencies in the serving image: {extras}"


def test_batch_scoring_runs_in_the_image(served: Served, build_context: Path) -> None:
    """The deployment's batch job command (``python -m PKG score IN OUT``) in the image."""
    container = served.container
    answers = yaml.safe_load((build_context / ".copier-answers.yml").read_text(encoding="utf-8"))
    package = answers["package_name"]
    rows_csv, scores = "/tmp/rows.csv", "/tmp/scores.parquet"  # noqa: S108  (inside the container)
    make_rows = (
        "import csv, json; "
        "names = json.load(open('models/model_info.json'))['features']; "
        f"w = csv.writer(open('{rows_csv}', 'w', newline='')); "
        "w.writerow(['id', *names]); "
        "[w.writerow([i, *[1.0 + i] * len(names)]) for i in range(50)]"
    )
    container.exec("python", "-c", make_rows)
    out = container.exec(
        "python", "-m", package, "score", rows_csv, scores,
        "--chunk-rows", "16",
    )  # fmt: skip
    assert "Scored 50 rows" in out, out
    check = (
        f"import pyarrow.parquet as pq; t = pq.read_table('{scores}'); "
        "print(t.num_rows, t.column_names)"
    )
    rows, columns = container.exec("python", "-c", check).splitlines()[-1].split(" ", 1)
    assert rows == "50"
    assert columns == "['id', 'prediction', 'probability', 'model_version']"
