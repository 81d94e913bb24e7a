"""The GitHub template-sync workflow's own script steps, run locally against a bare remote.

The steps are read from the rendered workflow and run with bash as the runner
would, with stand-ins only where the runner talks to GitHub: ``gh`` (pull
requests, kept in a file) and ``uvx`` (runs this checkout's mlops-new). A tiny
template in a local git repository releases a change to ``.github/workflows``
and ``pyproject.toml``; the sync must push a branch with a refreshed uv.lock,
keep the commits reviewers add to it, and never force-push over them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.helpers import ANSWERS_TEMPLATE, build_tree, git
from tests.template import matrix

BIN = Path(sys.executable).parent
COPIER_YML = "_subdirectory: project\nproject_name:\n  type: str\n  default: proj\n"
PYPROJECT = (
    '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
    'requires-python = ">=%s"\ndependencies = []\n'
)
FAKE_GH = """#!/bin/sh
# gh stand-in: one pull request, its number in $GH_STATE (empty: none open).
state="$GH_STATE"
case "$1 $2" in
  "pr list") cat "$state" 2>/dev/null || true ;;
  "pr create") echo 7 > "$state"; echo "create $*" >> "$state.log" ;;
  "pr edit") echo "edit $*" >> "$state.log" ;;
  *) echo "unexpected gh $*" >&2; exit 2 ;;
esac
"""
FAKE_UVX = """#!/bin/sh
# uvx stand-in: drop uvx's own options, run this checkout's mlops-new.
while [ "$1" != "mlops-new" ]; do shift; done
shift
exec "{mlops_new}" "$@"
"""


def _release(repo: Path, version: str, python: str, extra: dict[str, str]) -> None:
    files = {
        "copier.yml": COPIER_YML,
        "project/{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE,
        "project/pyproject.toml.jinja": PYPROJECT % python,
        "project/.github/workflows/ci.yml": f"name: CI {version}\non: push\n",
        **extra,
    }
    build_tree(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", f"Release {version}")
    git(repo, "tag", f"v{version}")


def _steps() -> dict[str, dict[str, Any]]:
    """The sync job's steps of the real template's workflow, by name."""
    template = matrix.template_copy(Path(os.environ["HOME"]) / "real-template")
    project = Path(os.environ["HOME"]) / "rendered"
    matrix.render(template, project, {"ci": "github"})
    workflow = yaml.safe_load((project / ".github/workflows/template-sync.yml").read_text())
    return {step["name"]: step for step in workflow["jobs"]["sync"]["steps"] if "name" in step}


class Runner:
    """Runs the workflow's steps in a fresh clone, as a GitHub runner would."""

    def __init__(self, tmp: Path, remote: Path) -> None:
        self.tmp, self.remote = tmp, remote
        self.steps = _steps()
        self.bin = tmp / "bin"
        self.bin.mkdir()
        mlops_new = shutil.which("mlops-new", path=str(BIN))
        (self.bin / "gh").write_text(FAKE_GH)
        (self.bin / "uvx").write_text(FAKE_UVX.format(mlops_new=mlops_new))
        uv = shutil.which("uv", path=str(BIN)) or shutil.which("uv")
        assert uv, "uv is missing"
        (self.bin / "uv").symlink_to(uv)
        for tool in ("gh", "uvx"):
            (self.bin / tool).chmod(0o755)
        self.runs = 0

    def sync(self) -> dict[str, str]:
        """One workflow run: checkout, then the steps; returns the update step's outputs."""
        self.runs += 1
        work = self.tmp / f"run{self.runs}"
        subprocess.run(["git", "clone", "--quiet", str(self.remote), str(work)], check=True)
        temp = self.tmp / f"runner-temp{self.runs}"
        temp.mkdir()
        env = {
            **os.environ,
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "BRANCH": "mlops-new/template-sync",
            "GH_STATE": str(self.tmp / "pr"),
            "RUNNER_TEMP": str(temp),
            "GITHUB_STEP_SUMMARY": str(temp / "summary.md"),
            "GITHUB_SERVER_URL": f"file://{self.remote.parent.parent}",
            "GITHUB_REPOSITORY": f"{self.remote.parent.name}/{self.remote.stem}",
            "DEFAULT_BRANCH": "main",
        }
        found = self._run("Find the open sync pull request", work, env)
        env["OPEN_PR"] = found.get("number", "")
        outputs = self._run("mlops-new update and uv lock", work, env)
        if outputs.get("push") == "true":
            env |= {
                "SYNC_TOKEN": "not-a-real-token",
                "LEASE": outputs.get("lease", ""),
                "CONFLICTS": outputs["conflicts"],
                "TO_VERSION": outputs["to_version"],
            }
            self._run("Push the branch and open the pull request", work, env)
        return outputs

    def _run(self, name: str, cwd: Path, env: dict[str, str]) -> dict[str, str]:
        output = Path(env["RUNNER_TEMP"]) / f"output-{len(name)}"
        output.write_text("")
        proc = subprocess.run(
            ["bash", "-e", "-c", self.steps[name]["run"]],
            cwd=cwd,
            env={**env, "GITHUB_OUTPUT": str(output)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, f"{name}:\n{proc.stdout}\n{proc.stderr}"
        lines = output.read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Runner]:
    template = tmp_path / "template"
    template.mkdir()
    git(template, "init", "--quiet", "--initial-branch", "main")
    _release(template, "0.1.0", "3.10", {})
    mlops_new = shutil.which("mlops-new", path=str(BIN))
    assert mlops_new
    subprocess.run(
        # --trust: the test's own template; locking runs its build backend.
        [mlops_new, "proj", "--template", str(template), "--ref", "0.1.0", "--defaults", "--trust"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "proj" / "uv.lock").is_file()
    remote = tmp_path / "server" / "owner" / "proj.git"
    remote.parent.mkdir(parents=True)
    git(tmp_path, "clone", "--quiet", "--bare", "proj", str(remote))
    return template, remote, Runner(tmp_path, remote)


def _show(remote: Path, path: str) -> str:
    return git(remote, "show", f"mlops-new/template-sync:{path}")


def test_sync_pushes_a_branch_with_the_lock_refreshed_and_keeps_reviewers_commits(
    setup: tuple[Path, Path, Runner], tmp_path: Path
) -> None:
    template, remote, runner = setup
    # Up to date: nothing pushed, no pull request.
    assert runner.sync().get("push") is None
    assert not (tmp_path / "pr").exists()

    _release(template, "0.2.0", "3.11", {})
    outputs = runner.sync()
    assert outputs["conflicts"] == "0"
    assert outputs["to_version"] == "0.2.0"
    # The pull request's body and the commit are `mlops-new update --format markdown`'s report.
    body = (tmp_path / "runner-temp2" / "body.md").read_text("utf-8")
    assert body.startswith("## Update template v0.1.0 -> v0.2.0\n")
    assert "- `.github/workflows/ci.yml`" in body
    subject = git(remote, "log", "-1", "--format=%s", "mlops-new/template-sync")
    assert subject == "Update template v0.1.0 -> v0.2.0"
    assert "name: CI 0.2.0" in _show(remote, ".github/workflows/ci.yml")
    assert 'requires-python = ">=3.11"' in _show(remote, "uv.lock")
    assert "create" in (tmp_path / "pr.log").read_text()
    assert not (tmp_path / "runner-temp2" / "summary.md").exists()  # a token: no fallback note

    # A reviewer adds a commit to the sync branch; the next release goes on top.
    review = tmp_path / "review"
    subprocess.run(
        [
            "git",
            "clone",
            "--quiet",
            "--branch",
            "mlops-new/template-sync",
            str(remote),
            str(review),
        ],
        check=True,
    )
    (review / "NOTES.md").write_text("reviewed\n")
    git(review, "add", "NOTES.md")
    git(review, "commit", "--quiet", "-m", "Reviewer's fix")
    git(review, "push", "--quiet")
    reviewer = git(review, "rev-parse", "HEAD")

    _release(template, "0.3.0", "3.11", {"project/README.md": "# v3\n"})
    runner.sync()
    assert _show(remote, "README.md") == "# v3"
    assert _show(remote, "NOTES.md") == "reviewed"
    head = git(remote, "rev-parse", "mlops-new/template-sync")
    subprocess.run(["git", "merge-base", "--is-ancestor", reviewer, head], cwd=remote, check=True)
    assert "edit 7" in (tmp_path / "pr.log").read_text()


def test_without_an_app_or_token_the_summary_names_the_fallback_and_its_limits(
    setup: tuple[Path, Path, Runner], tmp_path: Path
) -> None:
    template, _remote, runner = setup
    steps = runner.steps["Push the branch and open the pull request"]
    assert "${{ secrets.TEMPLATE_SYNC_TOKEN }}" in steps["env"]["SYNC_TOKEN"]
    assert "GH_TOKEN" not in str(runner.steps["mlops-new update and uv lock"].get("env", {}))
    _release(template, "0.2.0", "3.11", {})
    original = runner._run

    def no_token(name: str, cwd: Path, env: dict[str, str]) -> dict[str, str]:
        return original(name, cwd, {**env, "SYNC_TOKEN": "", "FALLBACK_TOKEN": "t"})

    runner._run = no_token  # type: ignore[method-assign]
    runner.sync()
    summary = (tmp_path / "runner-temp1" / "summary.md").read_text("utf-8")
    assert "GITHUB_TOKEN" in summary
    assert "run no CI" in summary
