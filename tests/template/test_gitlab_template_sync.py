"""The GitLab template-sync jobs' own scripts, run locally against a bare remote.

The two jobs are read from the rendered .gitlab-ci.yml and run with bash as the
shell runner would, each in a fresh clone: ``template-sync`` (update and
``uv lock``, no token, a git bundle as artifact) then ``template-sync-push``
(the only job with TEMPLATE_SYNC_TOKEN: a push without force, and the merge
request through a stand-in of GitLab's API). Stand-ins: ``apt-get`` (git is
here already), ``uvx`` (this checkout's mlops-new), the HTTPS remote (git's
``insteadOf`` points it at the bare repository).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.gitlab_api import Api as _Api
from tests.support.helpers import git
from tests.template import matrix
from tests.template.test_template_sync import BIN, FAKE_UVX, _release

HOST, PROJECT = "gitlab.example", "owner/proj"


def _jobs(home: Path) -> tuple[dict[str, Any], Path]:
    template = matrix.template_copy(home / "real-template")
    project = home / "rendered"
    matrix.render(template, project, {"ci": "gitlab"})
    config = yaml.safe_load((project / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    return config, project / ".gitlab" / "template_sync.py"


def _script(job: dict[str, Any]) -> str:
    lines = [*job.get("before_script", []), *job["script"]]
    return "\n".join(lines) + "\n"


class Pipeline:
    """A scheduled pipeline: the two jobs, each in its own clone."""

    def __init__(self, tmp: Path, remote: Path, api: str) -> None:
        self.tmp, self.remote, self.api = tmp, remote, api
        self.config, _helper = _jobs(tmp)
        self.bin = tmp / "bin"
        self.bin.mkdir()
        (self.bin / "apt-get").write_text("#!/bin/sh\nexit 0\n")
        mlops_new = shutil.which("mlops-new", path=str(BIN))
        (self.bin / "uvx").write_text(FAKE_UVX.format(mlops_new=mlops_new))
        for tool in ("apt-get", "uvx"):
            (self.bin / tool).chmod(0o755)
        uv = shutil.which("uv", path=str(BIN)) or shutil.which("uv")
        assert uv
        (self.bin / "uv").symlink_to(uv)
        self.runs = 0

    def _clone(self, name: str) -> Path:
        work = self.tmp / name
        git(self.tmp, "clone", "--quiet", str(self.remote), str(work))
        git(work, "checkout", "--quiet", "--detach", "main")  # as a runner checks out
        return work

    def _env(self, **extra: str) -> dict[str, str]:
        https = f"https://oauth2:push-token@{HOST}/{PROJECT}.git"
        return {
            **os.environ,
            **self.config["variables"],
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", ""),
            "CI_DEFAULT_BRANCH": "main",
            "CI_SERVER_HOST": HOST,
            "CI_PROJECT_PATH": PROJECT,
            "CI_PROJECT_ID": "1",
            "CI_API_V4_URL": self.api,
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"url.{self.remote}.insteadOf",
            "GIT_CONFIG_VALUE_0": https,
            **extra,
        }

    def run(self) -> dict[str, Any]:
        """Both jobs; the update job's sync.json (empty: up to date)."""
        self.runs += 1
        work = self._clone(f"sync{self.runs}")
        update = self.config["template-sync"]
        assert "TEMPLATE_SYNC_TOKEN" not in json.dumps(update)
        self._bash(_script(update), work, self._env())
        if not (work / "sync.bundle").exists():
            return {}
        report: dict[str, Any] = json.loads((work / "sync.json").read_text(encoding="utf-8"))
        assert "reports" not in update["artifacts"]  # files, never variables, for the token job
        push_job = self.config["template-sync-push"]
        assert push_job["environment"]["name"] == "template-sync"
        push = self._clone(f"push{self.runs}")
        for name in update["artifacts"]["paths"]:
            shutil.copy(work / name, push / name)
        env = self._env(TEMPLATE_SYNC_TOKEN="push-token")  # noqa: S106  (a stand-in)
        self._bash(_script(push_job), push, env, ok=not report["conflicts"])
        return report

    def _bash(self, script: str, cwd: Path, env: dict[str, str], *, ok: bool = True) -> None:
        proc = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (proc.returncode == 0) == ok, f"{script}\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture
def pipeline(tmp_path: Path, gitlab_api: str) -> tuple[Path, Path, Pipeline]:
    _config, helper = _jobs(tmp_path / "helper-render")
    template = tmp_path / "template"
    template.mkdir()
    git(template, "init", "--quiet", "--initial-branch", "main")
    extra = {"project/.gitlab/template_sync.py": helper.read_text(encoding="utf-8")}
    _release(template, "0.1.0", "3.10", extra)
    mlops_new = shutil.which("mlops-new", path=str(BIN))
    assert mlops_new
    # --trust: the test's own template; locking runs its build backend.
    argv = [mlops_new, "proj", "--template", str(template), "--ref", "0.1.0", "--defaults"]
    argv.append("--trust")
    subprocess.run(argv, cwd=tmp_path, check=True, capture_output=True)
    remote = tmp_path / "server" / "proj.git"
    remote.parent.mkdir()
    git(tmp_path, "clone", "--quiet", "--bare", "proj", str(remote))
    return template, remote, Pipeline(tmp_path, remote, gitlab_api)


def test_gitlab_sync_pushes_without_force_and_opens_then_updates_the_merge_request(
    pipeline: tuple[Path, Path, Pipeline], tmp_path: Path
) -> None:
    template, remote, runs = pipeline
    helper = {"project/.gitlab/template_sync.py": (template / "project/.gitlab/template_sync.py")}
    extra = {name: path.read_text(encoding="utf-8") for name, path in helper.items()}
    assert runs.run() == {}  # up to date: nothing pushed, no merge request
    assert _Api.calls == []

    _release(template, "0.2.0", "3.11", extra)
    branch = "mlops-new/template-sync"
    assert runs.run() == {"branch": branch, "conflicts": False, "version": "0.2.0"}
    assert 'requires-python = ">=3.11"' in git(remote, "show", f"{branch}:uv.lock")
    assert "name: CI 0.2.0" in git(remote, "show", f"{branch}:.github/workflows/ci.yml")
    methods = [call[0] for call in _Api.calls]
    assert methods == ["GET", "POST"]
    created = _Api.calls[-1][2]
    assert created["source_branch"] == [branch]
    assert "v0.1.0 -> v0.2.0" in created["description"][0]
    # The description is `mlops-new update --format markdown`'s report, not a copy of it.
    assert created["description"][0].startswith("## Update template v0.1.0 -> v0.2.0\n")
    assert "- `.github/workflows/ci.yml`" in created["description"][0]
    assert created["title"] == ["Update template v0.1.0 -> v0.2.0"]
    subject = git(remote, "log", "-1", "--format=%s", branch)
    assert subject == "Update template v0.1.0 -> v0.2.0"

    review = tmp_path / "review"
    git(tmp_path, "clone", "--quiet", "--branch", branch, str(remote), str(review))
    (review / "NOTES.md").write_text("reviewed\n")
    git(review, "add", "NOTES.md")
    git(review, "commit", "--quiet", "-m", "Reviewer's fix")
    git(review, "push", "--quiet")
    reviewer = git(review, "rev-parse", "HEAD")

    _release(template, "0.3.0", "3.11", {**extra, "project/README.md": "# v3\n"})
    runs.run()
    assert git(remote, "show", f"{branch}:README.md") == "# v3"
    head = git(remote, "rev-parse", branch)
    subprocess.run(["git", "merge-base", "--is-ancestor", reviewer, head], cwd=remote, check=True)
    assert [call[0] for call in _Api.calls[-2:]] == ["GET", "PUT"]
    assert _Api.calls[-1][1].endswith("/merge_requests/5")


_GOOD = {"branch": "mlops-new/template-sync", "conflicts": False, "version": "0.6.1"}


@pytest.mark.parametrize(
    ("report", "refused"),
    [
        ({**_GOOD, "conflicts": "0"}, "is not true or false"),
        ({**_GOOD, "version": "0.6.1\nLD_PRELOAD=/tmp/x.so"}, "is not a version number"),
        ({**_GOOD, "branch": "main"}, "is not SYNC_BRANCH"),
        ({**_GOOD, "branch": "--upload-pack=x"}, "is not a branch name"),
        ({**_GOOD, "GIT_CONFIG_COUNT": "1"}, "must hold exactly"),
        (["not", "an", "object"], "must hold exactly"),
    ],
)
def test_the_push_job_refuses_a_report_the_update_job_did_not_write(
    tmp_path: Path, report: object, refused: str
) -> None:
    """sync.json is data from a job that ran the update's code: checked, never trusted."""
    _config, helper = _jobs(tmp_path)
    (tmp_path / "sync.json").write_text(json.dumps(report), encoding="utf-8")
    proc = _helper(helper, tmp_path, "check", "sync.json")
    assert proc.returncode != 0
    assert refused in proc.stderr
    (tmp_path / "sync.json").write_text(json.dumps(_GOOD), encoding="utf-8")
    assert _helper(helper, tmp_path, "check", "sync.json").returncode == 0


def test_the_push_job_reads_no_artifact_through_a_symlink(tmp_path: Path) -> None:
    """A body.md linked to /proc/self/environ would post the token as the description."""
    config, helper = _jobs(tmp_path)
    assert "reports" not in config["template-sync"]["artifacts"]
    assert "sync.json" in config["template-sync"]["artifacts"]["paths"]
    (tmp_path / "real.json").write_text(json.dumps(_GOOD), encoding="utf-8")
    (tmp_path / "sync.json").symlink_to(tmp_path / "real.json")
    (tmp_path / "body.md").symlink_to("/proc/self/environ")
    proc = _helper(helper, tmp_path, "check", "sync.json")
    assert proc.returncode != 0
    proc = _helper(helper, tmp_path, "merge-request", "body.md", "real.json")
    assert proc.returncode != 0
    assert "push-token" not in proc.stdout + proc.stderr


def _helper(helper: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SYNC_BRANCH": "mlops-new/template-sync",
        "TEMPLATE_SYNC_TOKEN": "push-token",  # a stand-in
        "CI_API_V4_URL": "http://127.0.0.1:9",  # never reached: refused first
        "CI_PROJECT_ID": "1",
    }
    argv = [sys.executable, str(helper), *args]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
