"""Git state that is not the repository's files: the environment and odd config includes.

- mlops-new run from a git hook inherits ``GIT_DIR``, ``GIT_WORK_TREE`` and
  ``GIT_INDEX_FILE`` naming another repository: it ignores them and works on
  the folder it was given;
- a repository config that includes a FIFO or ``/dev/zero`` would hang every
  git command: ``check`` and ``fleet report`` finish with a result.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.security.conftest import Run, Scene, make_versions
from tests.support.helpers import git


def _project(scene: Scene, run_cli: Run, name: str = "proj") -> Path:
    template = scene.root / "tpl"
    if not template.exists():
        make_versions(template, [("v0.1.0", {}, ""), ("v0.2.0", {"project/NEWS.md": "n\n"}, "")])
    ran = run_cli(name, "--template", str(template), "--ref", "0.1.0", "--defaults", "--no-lock")
    assert ran.code == 0, ran.err
    return scene.work / name


def test_git_variables_of_a_hook_are_ignored(
    scene: Scene, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(scene, run_cli)
    other = scene.root / "other"
    other.mkdir()
    git(other, "init", "--quiet")
    git(other, "commit", "--quiet", "--allow-empty", "-m", "other")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    ran = run_cli("diff", "--exit-code", cwd=project)
    assert ran.code == 0, ran.err
    ran = run_cli("update", "--to", "0.2.0", cwd=project)
    assert ran.code == 0, ran.err
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name)
    assert (project / "NEWS.md").is_file()
    assert "0.2.0" in git(project, "log", "-1", "--format=%s") + (
        project / ".copier-answers.yml"
    ).read_text(encoding="utf-8")
    assert git(other, "rev-list", "--count", "HEAD") == "1", "the other repository changed"


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_a_config_including_a_fifo_or_device_does_not_hang_check_or_report(
    scene: Scene, run_cli: Run, target: str
) -> None:
    project = _project(scene, run_cli)
    if target == "fifo":
        fifo = scene.root / "config.fifo"
        os.mkfifo(fifo)
        target = str(fifo)
    git(project, "config", "include.path", target)
    ran = run_cli("check", "--format", "json", cwd=project, timeout=90)
    assert "Traceback" not in ran.err, ran.err[-2000:]
    assert ran.code in (0, 4, 7, 8), ran.err
    ran = run_cli("fleet", "report", str(scene.work), "--format", "json", timeout=90)
    assert "Traceback" not in ran.err, ran.err[-2000:]
    assert json.loads(ran.out)["result"]["repos"], ran.out
