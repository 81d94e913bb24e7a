"""Every GitLab CI job of a generated project runs green with gitlab-ci-local.

gitlab-ci-local (npm, installed by the test into the test cache) runs the jobs
with its shell executor; the jobs' PATH has no git, as in uv's job image. The
image jobs need Docker and are covered by the buildah tests. The template-sync
jobs run as a schedule would, against a bare "origin" and a stand-in for
GitLab's merge-request API (test_template_sync.py drives the GitHub twin).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import ci_local
from tests.support.commands import run, uv
from tests.support.gitlab_api import Api

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("ci-local")]

VERSION = "4.73.0"
RUN_HERE = {"lint", "standards", "test", "docs", "pipeline", "notebooks", "audit"}
NOT_HERE = {"build-image", "push-image", "template-sync", "template-sync-push"}
RELEASE = {"release-model", "push-image"}
"""Image jobs (buildah tests cover the image) and the sync (its own tests). The audit's
pip-audit asks an offline feed: this machine's index has no vulnerability API."""


def _gitlab_ci_local() -> Path:
    npm = ci_local.need("npm", "apt-get install npm")
    ci_local.need("rsync", "apt-get install rsync")
    prefix = ci_local.cache_dir() / f"gitlab-ci-local-{VERSION}"
    tool = prefix / "node_modules" / ".bin" / "gitlab-ci-local"
    if not tool.exists():
        argv = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent"]
        subprocess.run([*argv, f"gitlab-ci-local@{VERSION}"], check=True, capture_output=True)
    return tool


def _invoke(
    tool: Path, project: Path, args: list[str], variables: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``gitlab-ci-local ARGS`` (shell executor) in ``project`` with ``variables``."""
    argv = [str(tool), "--force-shell-executor", "--no-color"]
    for name, value in variables.items():
        argv += ["--variable", f"{name}={value}"]
    return subprocess.run(
        [*argv, *args], cwd=project, capture_output=True, text=True, check=False, timeout=1800
    )


def _run(tool: Path, project: Path, jobs: list[str], variables: dict[str, str]) -> str:
    """Run ``jobs`` one after the other, each from a checkout without a .venv.

    The shell executor runs every job in the project folder itself; GitLab gives
    each job its own checkout, so no job may lean on another's environment.
    """
    outputs = []
    for job in jobs:
        shutil.rmtree(project / ".venv", ignore_errors=True)
        proc = _invoke(tool, project, [job], variables)
        assert proc.returncode == 0, f"{job}:\n{proc.stdout[-6000:]}{proc.stderr[-3000:]}"
        assert re.search(rf"PASS\s+{re.escape(job)}\b", proc.stdout), proc.stdout[-3000:]
        outputs.append(proc.stdout)
    return "\n".join(outputs)


def _jobs(tool: Path, project: Path, *variables: str) -> set[str]:
    """The jobs ``gitlab-ci-local --list`` shows for a pipeline with ``variables``."""
    argv = [str(tool), "--list"]
    for variable in variables:
        argv += ["--variable", variable]
    listed = subprocess.run(argv, cwd=project, capture_output=True, text=True, check=True).stdout
    names = {line.split()[0] for line in listed.splitlines()[1:] if line.strip()}
    return {name for name in names if name != "name" and not name.startswith(("parsing", "json"))}


def test_every_gitlab_job_passes_without_git_in_the_job(tmp_path: Path) -> None:
    tool = _gitlab_ci_local()
    project, dist = ci_local.project_and_wheel(
        tmp_path, "-dci=gitlab", "-ddocker=false", "-dnotebooks=true"
    )
    jobs = _jobs(tool, project)
    assert jobs - NOT_HERE == RUN_HERE, jobs
    # The standards job's uv cache is outside the checkout, so check never scans it.
    config = (project / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert "UV_CACHE_DIR: /tmp/uv-cache" in config
    jobs_path = ci_local.path_without_git(tmp_path / "no-git")
    common = {"UV_FIND_LINKS": str(dist), "PATH": str(jobs_path)}
    env_path = os.environ["PATH"]
    assert shutil.which("git", path=str(jobs_path)) is None, env_path
    out = _run(tool, project, ["standards"], {**common, "UV_CACHE_DIR": str(tmp_path / "c1")})
    assert "0 fail" in out
    cache = ci_local.warm_cache_copy(tmp_path / "uv-cache")
    common["UV_CACHE_DIR"] = str(cache)
    _run(tool, project, sorted(RUN_HERE - {"standards", "audit"}), common)
    clean = ci_local.audit_stand_in(tmp_path / "audit", {})
    _run(tool, project, ["audit"], {**common, "PATH": f"{clean}{os.pathsep}{jobs_path}"})
    # A known vulnerability in a locked release fails the audit, named in the job log.
    numpy = ci_local.locked_version(project, "numpy")
    found = ci_local.audit_stand_in(tmp_path / "found", ci_local.vulnerable("numpy", numpy))
    proc = _invoke(tool, project, ["audit"], {**common, "PATH": f"{found}{os.pathsep}{jobs_path}"})
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert re.search(rf"numpy\s+{re.escape(numpy)}\s+PYSEC-0000-0001\s+999.0", output), output


def test_scheduled_pipeline_runs_the_template_sync_and_the_audit(tmp_path: Path) -> None:
    tool = _gitlab_ci_local()
    template = ci_local.template_repo(tmp_path / "template")
    project = ci_local.create(tmp_path, "proj", template, "-dci=gitlab", "--no-lock")
    names = _jobs(tool, project, "CI_PIPELINE_SOURCE=schedule")
    # The sync, and the audit: new advisories appear without any change.
    assert {"template-sync", "template-sync-push", "audit"} <= names
    assert not names & (RUN_HERE - {"audit"} | {"build-image", "push-image"}), names


def test_a_release_tag_ships_the_pushed_model_without_retraining(tmp_path: Path) -> None:
    tool = _gitlab_ci_local()
    project, dist = ci_local.project_and_wheel(tmp_path, "-dci=gitlab")
    tagged = _jobs(tool, project, "CI_COMMIT_TAG=v0.1.0")
    assert tagged >= RELEASE, tagged
    assert not tagged & {"pipeline", "build-image"}, tagged
    assert not _jobs(tool, project) & RELEASE
    lineage = ci_local.release_model(project)
    cache = ci_local.warm_cache_copy(tmp_path / "uv-cache")
    jobs_path = ci_local.path_without_git(tmp_path / "no-git")
    variables = {"CI_COMMIT_TAG": "v0.1.0", "UV_CACHE_DIR": str(cache), "PATH": str(jobs_path)}
    out = _run(tool, project, ["release-model"], {**variables, "UV_FIND_LINKS": str(dist)})
    assert "Running stage" not in out, out[-3000:]
    assert (project / "lineage.args").read_text(encoding="utf-8") == lineage
    assert "MODEL_VERSION=1" in lineage


def _release(template: Path, version: str, dependency: str) -> None:
    """A template release adding ``dependency`` to pyproject.toml (the lock must follow)."""
    pyproject = template / "project" / "pyproject.toml.jinja"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(
        text.replace("dependencies = [\n", f'dependencies = [\n    "{dependency}",\n', 1),
        encoding="utf-8",
    )
    for args in (("add", "-A"), ("commit", "--quiet", "-m", version), ("tag", f"v{version}")):
        run(["git", *args], template)


def _gitlab_origin(project: Path, origin: Path, token: str) -> Path:
    """A bare repository standing in for the project on GitLab: its https URLs (the
    push URL carries the token) lead there; ``main`` pushed."""
    run(["git", "init", "--quiet", "--bare", str(origin)], project.parent)
    url = "https://gitlab.example/group/proj.git"
    for prefix in (url, url.replace("https://", f"https://oauth2:{token}@")):
        run(["git", "config", f"url.{origin}.insteadOf", prefix, "--add"], project)
    run(["git", "remote", "add", "origin", url], project)
    run(["git", "push", "--quiet", "origin", "main"], project)
    run(["git", "remote", "set-head", "origin", "main"], project)
    (project / ".git" / "info" / "exclude").write_text(".gitlab-ci-local/\n", encoding="utf-8")
    return origin


def test_scheduled_template_sync_pushes_a_locked_branch_and_opens_one_merge_request(
    tmp_path: Path, gitlab_api: str
) -> None:
    """The two sync jobs, run by gitlab-ci-local as a schedule would: the update and
    ``uv lock`` on the sync branch, pushed (never forced) to a bare "origin" with the
    token only in the push job, and one merge request, updated by the next sync."""
    tool = _gitlab_ci_local()
    project, dist = ci_local.project_and_wheel(tmp_path, "-dci=gitlab", "-ddocker=false")
    template = tmp_path / "template"  # project_and_wheel's template repository
    token = "push-token"  # noqa: S105 (the API stand-in's: the push goes to a bare repository)
    origin = _gitlab_origin(project, tmp_path / "origin.git", token)
    # The job image installs git with apt-get; here git is on PATH already.
    stand_ins = tmp_path / "job-bin"
    stand_ins.mkdir()
    (stand_ins / "apt-get").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (stand_ins / "apt-get").chmod(0o755)
    variables = {
        "CI_PIPELINE_SOURCE": "schedule",
        "CI_DEFAULT_BRANCH": "main",
        "CI_SERVER_HOST": "gitlab.example",
        "CI_PROJECT_PATH": "group/proj",
        "CI_PROJECT_ID": "1",
        "CI_API_V4_URL": gitlab_api,
        "TEMPLATE_SYNC_TOKEN": token,
        "UV_FIND_LINKS": str(dist),
        "UV_CACHE_DIR": str(ci_local.warm_cache_copy(tmp_path / "uv-cache")),
        "PATH": os.pathsep.join((str(stand_ins), str(ci_local.BIN), os.environ["PATH"])),
    }

    def sync() -> str:
        # Each GitLab job starts from a clean checkout: drop the last sync's artifacts.
        run(["git", "switch", "--quiet", "main"], project)
        run(["git", "clean", "-fdq"], project)
        proc = _invoke(tool, project, ["--needs", "template-sync-push"], variables)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output[-6000:]
        return output

    _release(template, "9.9.10", "packaging>=24")
    sync()
    branch = "mlops-new/template-sync"
    pushed = run(["git", "show", f"{branch}:pyproject.toml"], origin)
    assert '"packaging>=24"' in pushed
    # The lock was refreshed on the branch: CI's `uv sync --locked` passes there.
    run(["git", "fetch", "--quiet", "origin", branch], project)
    run(["git", "switch", "--quiet", "--force-create", "review", "FETCH_HEAD"], project)
    uv("lock", "--check", cwd=project)
    assert [call[0] for call in Api.calls] == ["GET", "POST"], Api.calls
    assert Api.calls[1][2]["source_branch"] == [branch]
    assert "9.9.9 -> v9.9.10" in Api.calls[1][2]["description"][0]
    # A reviewer's commit on the branch survives the next sync (no force push).
    (project / "NOTES.md").write_text("Reviewed.\n", encoding="utf-8")
    run(["git", "add", "NOTES.md"], project)
    run(["git", "commit", "--quiet", "--no-verify", "-m", "Review notes"], project)
    run(["git", "push", "--quiet", "origin", f"review:{branch}"], project)
    reviewed = run(["git", "rev-parse", "review"], project).strip()
    _release(template, "9.9.11", "tomli-w>=1")
    sync()
    run(["git", "merge-base", "--is-ancestor", reviewed, branch], origin)
    assert '"tomli-w>=1"' in run(["git", "show", f"{branch}:pyproject.toml"], origin)
    assert [call[0] for call in Api.calls] == ["GET", "POST", "GET", "PUT"], Api.calls
