"""The GitLab production side of a generated project, run by gitlab-ci-local.

A release tag's champion image goes to staging by digest, the same digest to
production by hand, and a rollback applies the previous digest, against a
recording ``kubectl`` and a ``skopeo`` registry stand-in (stand-ins/gitlab-deploy);
the scheduled monitor fails on a shifted batch; the scheduled retrain proposes one
merge request with the metrics diff and the promote decision; merge request
pipelines review the parameter and metric diffs. One project is rendered, synced
and reproduced per module; each test works on its own copy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_gitlab_ci_local import _gitlab_ci_local, _gitlab_origin, _invoke
from tests.support import ci_local
from tests.support.batches import batch
from tests.support.commands import run, uv
from tests.support.gitlab_api import Api
from tests.support.isolation import isolate

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("ci-local")]

STAND_INS = Path(__file__).parent / "stand-ins" / "gitlab-deploy"
REGISTRY = "registry.gitlab.example/group/proj"
DEPLOY = {"champion-image", "deploy-staging", "deploy-production"}
ROLLBACK = {"rollback-staging", "rollback-production"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A GitLab project (docker, deploy=kubernetes) reproduced, pushed to its DVC
    remote and committed, and the folder with a wheel of this checkout."""
    tmp = tmp_path_factory.mktemp("gitlab-deploy")
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, tmp_path_factory.mktemp("home"))
        project, dist = ci_local.project_and_wheel(tmp, "-dci=gitlab")
        uv("sync", "--locked", cwd=project)
        uv("run", "dvc", "repro", cwd=project)
        uv("run", "dvc", "push", "--quiet", cwd=project)
        run(["git", "add", "-A"], project)
        run(["git", "commit", "--quiet", "--no-verify", "-m", "Model v0.1.0"], project)
        yield project, dist


@pytest.fixture
def project(built: tuple[Path, Path], tmp_path: Path) -> Path:
    """A copy of the built project (with its DVC cache and remote), without the .venv."""
    source = built[0]
    copy = tmp_path / "proj"
    shutil.copytree(source, copy, symlinks=True, ignore=shutil.ignore_patterns(".venv"))
    remote = source.parent / "proj-dvc-storage"
    if remote.is_dir():
        shutil.copytree(remote, tmp_path / "proj-dvc-storage", symlinks=True)
    return copy


def _listed(tool: Path, project: Path, *variables: str) -> dict[str, str]:
    """``gitlab-ci-local --list`` for a pipeline with ``variables``: each job's ``when``."""
    argv = [str(tool), "--list"]
    for variable in variables:
        argv += ["--variable", variable]
    listed = subprocess.run(argv, cwd=project, capture_output=True, text=True, check=True).stdout
    lines = listed.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("name "))
    rows = [line.split() for line in lines[header + 1 :] if line.strip()]
    whens = {"on_success", "manual", "always", "delayed", "on_failure"}
    return {row[0]: next(word for word in row if word in whens) for row in rows}


def _jobs(tool: Path, project: Path, *variables: str) -> set[str]:
    return set(_listed(tool, project, *variables))


def _stand_ins(where: Path) -> Path:
    """``kubectl`` and ``skopeo`` (stand-ins/gitlab-deploy) and a no-op ``apt-get``."""
    where.mkdir()
    ci_local.need("kubectl", "apt-get install kubernetes-client")  # renders the overlays
    for name in ("kubectl", "skopeo"):
        script = f'#!/bin/sh\nexec {sys.executable} {STAND_INS / f"{name}.py"} "$@"\n'
        (where / name).write_text(script, encoding="utf-8")
    (where / "apt-get").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    for tool in where.iterdir():
        tool.chmod(0o755)
    return where


def _job(tool: Path, project: Path, job: str, variables: dict[str, str], *, ok: bool = True) -> str:
    proc = _invoke(tool, project, [job], variables)
    output = proc.stdout + proc.stderr
    assert (proc.returncode == 0) == ok, f"{job}:\n{output[-6000:]}"
    if ok:
        assert re.search(rf"PASS\s+{re.escape(job)}\b", proc.stdout), output[-3000:]
    return output


def _image(lineage: dict[str, str], digest: str, version: str | None = None) -> dict[str, object]:
    labels = {
        "io.mlops-new.model.version": version or lineage["MODEL_VERSION"],
        "io.mlops-new.model.md5": lineage["MODEL_MD5"],
    }
    return {"Digest": f"sha256:{digest * 64}", "Labels": labels}


class Cluster:
    """The stand-ins' state: what kubectl applied, what the registry holds."""

    def __init__(self, tmp: Path) -> None:
        self.kube, self.registry = tmp / "kube", tmp / "registry"
        self.registry.mkdir()
        self.bin = _stand_ins(tmp / "bin")

    def images(self, images: dict[str, dict[str, object]]) -> None:
        (self.registry / "images.json").write_text(json.dumps(images), encoding="utf-8")

    def current(self, environment: str) -> str:
        rollouts = json.loads((self.kube / "rollouts.json").read_text(encoding="utf-8"))
        return str(rollouts[f"proj-{environment}/proj"][-1])

    def calls(self) -> list[list[str]]:
        lines = (self.kube / "calls.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


def _release_variables(cluster: Cluster, tag: str, jobs_path: Path) -> dict[str, str]:
    return {
        "CI_COMMIT_TAG": tag,
        "CI_REGISTRY": "registry.gitlab.example",
        "CI_REGISTRY_IMAGE": REGISTRY,
        "CI_REGISTRY_USER": "gitlab-ci-token",
        "CI_REGISTRY_PASSWORD": "job-token",
        "KUBECTL_STAND_IN": str(cluster.kube),
        "KUBECTL_REAL": str(shutil.which("kubectl")),
        "SKOPEO_STAND_IN": str(cluster.registry),
        "PATH": os.pathsep.join((str(cluster.bin), str(jobs_path))),
    }


def test_a_release_deploys_the_champions_digest_to_staging_then_production_and_rolls_back(
    project: Path, tmp_path: Path
) -> None:
    tool = _gitlab_ci_local()
    listed = _listed(tool, project, "CI_COMMIT_TAG=v0.1.0")
    assert set(listed) >= DEPLOY | ROLLBACK, listed
    # Production and the rollbacks wait for someone; staging follows the image.
    assert listed["deploy-production"] == "manual", listed
    assert {listed[job] for job in ROLLBACK} == {"manual"}, listed
    assert listed["deploy-staging"] == "on_success", listed
    assert not _jobs(tool, project) & (DEPLOY | ROLLBACK)
    lineage_text = uv("run", "python", "-m", "proj", "lineage", cwd=project)
    (project / "lineage.args").write_text(lineage_text, encoding="utf-8")  # release-model's
    lineage = dict(line.split("=", 1) for line in lineage_text.splitlines())
    cluster = Cluster(tmp_path)
    jobs_path = ci_local.path_without_git(tmp_path / "no-git")
    first = f"{REGISTRY}@sha256:{'a' * 64}"
    second = f"{REGISTRY}@sha256:{'b' * 64}"
    cluster.images(
        {f"{REGISTRY}:0.1.0": _image(lineage, "a"), f"{REGISTRY}:0.2.0": _image(lineage, "b")}
    )
    for tag in ("v0.1.0", "v0.2.0"):
        variables = _release_variables(cluster, tag, jobs_path)
        for job in ("champion-image", "deploy-staging", "deploy-production"):
            _job(tool, project, job, variables)
    assert cluster.current("staging") == cluster.current("production") == second
    applied = sorted((cluster.kube / "applied").iterdir())
    assert len(applied) == 4
    # Staging, then production, each by the champion's digest, never a tag.
    for path, namespace, image in zip(
        applied, ("staging", "production") * 2, (first, first, second, second), strict=True
    ):
        text = path.read_text(encoding="utf-8")
        assert f"namespace: proj-{namespace}" in text
        assert f"image: {image}" in text
    assert (next(call for call in cluster.calls() if call[:2] == ["rollout", "status"])[:6]) == [
        "rollout",
        "status",
        "deployment",
        "proj",
        "--namespace",
        "proj-staging",
    ]
    _job(tool, project, "rollback-production", variables)
    assert cluster.current("production") == first
    assert cluster.current("staging") == second
    _job(tool, project, "rollback-staging", variables)
    assert cluster.current("staging") == first
    assert ["rollout", "undo", "deployment", "proj", "--namespace", "proj-production"] in [
        call[:6] for call in cluster.calls()
    ]


def test_an_image_that_is_not_the_champion_is_never_deployed(project: Path, tmp_path: Path) -> None:
    tool = _gitlab_ci_local()
    lineage_text = uv("run", "python", "-m", "proj", "lineage", cwd=project)
    (project / "lineage.args").write_text(lineage_text, encoding="utf-8")
    lineage = dict(line.split("=", 1) for line in lineage_text.splitlines())
    cluster = Cluster(tmp_path)
    cluster.images({f"{REGISTRY}:0.1.0": _image(lineage, "c", version="99")})
    variables = _release_variables(cluster, "v0.1.0", ci_local.path_without_git(tmp_path / "ng"))
    output = _job(tool, project, "champion-image", variables, ok=False)
    want = lineage["MODEL_VERSION"]
    assert (
        f"{REGISTRY}:0.1.0 is model 99 (md5 {lineage['MODEL_MD5']}), not the champion {want}"
        in (output)
    ), output[-3000:]
    assert not (project / "image.txt").exists()
    # A forged digest file is refused before kubectl runs.
    (project / "image.txt").write_text("evil.example/x@sha256:" + "d" * 64 + "\n", encoding="utf-8")
    output = _job(tool, project, "deploy-staging", variables, ok=False)
    assert f"image.txt is not {REGISTRY}@sha256:<digest>: refused." in output, output[-3000:]
    assert not (cluster.kube / "calls.jsonl").exists() or not [
        call for call in cluster.calls() if call[0] == "apply"
    ]


def _schedule(project: Path, dist: Path, tmp_path: Path, job: str) -> dict[str, str]:
    jobs_path = ci_local.path_without_git(tmp_path / "no-git")
    return {
        "CI_PIPELINE_SOURCE": "schedule",
        "SCHEDULED_JOB": job,
        "UV_FIND_LINKS": str(dist),
        "UV_CACHE_DIR": str(ci_local.warm_cache_copy(tmp_path / "uv-cache")),
        "PATH": str(jobs_path),
    }


def test_the_scheduled_monitor_fails_on_a_shifted_batch_and_passes_an_unshifted_one(
    project: Path, built: tuple[Path, Path], tmp_path: Path
) -> None:
    tool = _gitlab_ci_local()
    assert _jobs(tool, project, "CI_PIPELINE_SOURCE=schedule", "SCHEDULED_JOB=monitor") == {
        "monitor"
    }
    assert "monitor" not in _jobs(tool, project, "CI_PIPELINE_SOURCE=schedule")
    variables = _schedule(project, built[1], tmp_path, "monitor")
    same, shifted = tmp_path / "batches" / "same.csv", tmp_path / "batches" / "shifted.csv"
    train = project / "data" / "prepared" / "train.csv"
    batch(train, same, shift=None, labels=True)
    batch(train, shifted, shift="mean texture", labels=False)
    _job(tool, project, "monitor", {**variables, "MONITOR_DATA": str(same)})
    report = project / "reports" / "monitoring.md"
    assert "mean texture" in report.read_text(encoding="utf-8")
    report.unlink()
    output = _job(tool, project, "monitor", {**variables, "MONITOR_DATA": str(shifted)}, ok=False)
    assert "drift: 'mean texture'" in output, output[-3000:]
    assert "| mean texture |" in report.read_text(encoding="utf-8")
    drifted = json.loads((project / "metrics" / "monitoring.json").read_text(encoding="utf-8"))
    assert drifted["drifted"] == ["mean texture"]


def test_the_scheduled_retrain_opens_one_merge_request_with_the_metrics_diff(
    project: Path, built: tuple[Path, Path], tmp_path: Path, gitlab_api: str
) -> None:
    tool = _gitlab_ci_local()
    scheduled = _jobs(tool, project, "CI_PIPELINE_SOURCE=schedule", "SCHEDULED_JOB=retrain")
    assert scheduled == {"retrain", "retrain-push"}, scheduled
    token = "push-token"  # noqa: S105 (the API stand-in's: the push goes to a bare repository)
    origin = _gitlab_origin(project, tmp_path / "origin.git", token)
    stand_ins = _stand_ins(tmp_path / "bin")
    variables = {
        **_schedule(project, built[1], tmp_path, "retrain"),
        "CI_DEFAULT_BRANCH": "main",
        "CI_SERVER_HOST": "gitlab.example",
        "CI_PROJECT_PATH": "group/proj",
        "CI_PROJECT_ID": "1",
        "CI_API_V4_URL": gitlab_api,
        "RETRAIN_TOKEN": token,
        "PATH": os.pathsep.join((str(stand_ins), str(ci_local.BIN), os.environ["PATH"])),
    }
    # New data reaches the pipeline (here: a new split of it, committed on main).
    params = project / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("seed: 42", "seed: 7"))
    run(["git", "commit", "--quiet", "--no-verify", "-am", "A new split"], project)
    run(["git", "push", "--quiet", "origin", "main"], project)

    def retrain() -> str:
        run(["git", "switch", "--quiet", "--force", "main"], project)
        for name in ("retrain.bundle", "body.md", "retrain.json"):
            (project / name).unlink(missing_ok=True)
        proc = _invoke(tool, project, ["--needs", "retrain-push"], variables)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output[-6000:]
        return output

    retrain()
    branch = "mlops-new/retrain"
    assert "seed: 7" in run(["git", "show", f"{branch}:params.yaml"], origin)
    assert [call[0] for call in Api.calls] == ["GET", "POST"], Api.calls
    fields = Api.calls[1][2]
    assert fields["source_branch"] == [branch]
    description = fields["description"][0]
    assert "| metrics/metrics.json" in description, description
    decision = re.search(r"^Promotion: (not promoted|promoted) \(roc_auc = ", description, re.M)
    assert decision, description
    assert fields["title"][0].startswith(f"Retrain: {decision[1]}")
    assert "```diff" in description
    # The next retrain updates the one merge request.
    retrain()
    assert [call[0] for call in Api.calls].count("POST") == 1, Api.calls


def test_a_merge_request_pipeline_reviews_params_metrics_and_the_verdict(
    project: Path, built: tuple[Path, Path], tmp_path: Path
) -> None:
    tool = _gitlab_ci_local()
    assert "review" in _jobs(tool, project, "CI_PIPELINE_SOURCE=merge_request_event")
    assert "review" not in _jobs(tool, project)
    origin = _gitlab_origin(project, tmp_path / "origin.git", "unused")
    run(["git", "switch", "--quiet", "--create", "tune"], project)
    params = project / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("C: 1.0", "C: 0.5"))
    uv("sync", "--locked", cwd=project)
    uv("run", "dvc", "repro", cwd=project)
    run(["git", "commit", "--quiet", "--no-verify", "-am", "Less regularisation"], project)
    assert origin.is_dir()
    variables = _schedule(project, built[1], tmp_path, "")
    # The job installs git with apt-get (a no-op stand-in here): the machine's git
    # follows the jobs' tools (uv among them).
    jobs_path = (str(_stand_ins(tmp_path / "bin")), variables["PATH"], os.environ["PATH"])
    variables |= {
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "PATH": os.pathsep.join(jobs_path),
    }
    del variables["SCHEDULED_JOB"]
    output = _job(tool, project, "review", variables)
    review = (project / "review.md").read_text(encoding="utf-8")
    assert review in output.replace("\r", "") or "## Pipeline against main" in output
    assert re.search(r"\| params\.yaml\s+\| model\.C\s+\| 1\.0\s+\| 0\.5", review), review
    assert "| metrics/metrics.json" in review, review
    assert re.search(r"^Promotion: (not )?promoted \(roc_auc = ", review, re.M), review
