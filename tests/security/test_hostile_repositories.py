"""Hostile repositories under check, versions, update and fleet: nothing of theirs runs.

Projects are made with the real bundled template (an older version, so that
``update`` and ``fleet update`` check out, merge and commit), then poisoned:
answers naming an option as template source, and a repository config that
names an fsmonitor, filters, a merge driver and a hooks folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.security.conftest import Ran, Run, Scene
from tests.support.helpers import git
from tests.support.isolation import isolate

BUG = 1
OLD = "0.2.0"
DOCUMENTED = {0, 2, 3, 4, 5, 6, 7, 8, 9}


Made = Callable[[str], Path]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """``mlops-new NAME --ref OLD`` run once per name for the module (in a HOME of its own);
    each test poisons its own copy."""
    projects: dict[str, Path] = {}

    def make(name: str) -> Path:
        if name not in projects:
            where = tmp_path_factory.mktemp("made")
            with pytest.MonkeyPatch.context() as monkeypatch:
                isolate(monkeypatch, tmp_path_factory.mktemp("made-home"))
                argv = [name, "--ref", OLD, "--defaults", "--no-lock"]
                ran = subprocess.run(
                    [sys.executable, "-m", "mlops_new", *argv],
                    cwd=where, env={**os.environ, "COLUMNS": "200"},
                    capture_output=True, text=True, timeout=240, check=False,
                )  # fmt: skip
            assert ran.returncode == 0, ran.stderr
            projects[name] = where / name
        return projects[name]

    return make


def _project(made: Made, scene: Scene, name: str) -> Path:
    shutil.copytree(made(name), scene.work / name, symlinks=True)
    return scene.work / name


def _poison_answers(project: Path, scene: Scene) -> None:
    answers = project / ".copier-answers.yml"
    text = answers.read_text(encoding="utf-8")
    src = next(line for line in text.splitlines() if line.startswith("_src_path:"))
    answers.write_text(
        text.replace(src, f"_src_path: '--upload-pack={scene.payload()}'"), encoding="utf-8"
    )
    git(project, "commit", "--quiet", "-am", "hostile answers")


def _poison_config(project: Path, scene: Scene) -> None:
    payload = scene.payload()
    hooks = project / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "post-commit", "post-checkout", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\n{payload}\n", encoding="utf-8")
        (hooks / hook).chmod(0o755)
    (project / ".gitattributes").write_text(
        "*.md filter=evil diff=evil merge=evil\n", encoding="utf-8"
    )
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "attributes and hooks")
    (project / ".git" / "evil.cfg").write_text(
        f'[merge "evil"]\n\tdriver = "{payload}"\n', encoding="utf-8"
    )
    with (project / ".git" / "config").open("a", encoding="utf-8") as config:
        config.write(
            f'[core]\n\tfsmonitor = "{payload}"\n\thooksPath = hooks\n'
            f'[filter "evil"]\n\tclean = "{payload}; cat"\n\tsmudge = "{payload}; cat"\n'
            f'\tprocess = "{payload}"\n\trequired = true\n'
            f'[diff "evil"]\n\ttextconv = "{payload}; cat"\n\tcommand = "{payload}"\n'
            '[includeIf "onbranch:mlops-new/**"]\n\tpath = evil.cfg\n'
        )


def _assert_safe(ran: Ran, scene: Scene) -> None:
    code, out, err = ran.code, ran.out, ran.err
    assert not scene.marker.exists(), f"a hostile payload ran:\n{out}\n{err}"
    assert "Traceback" not in out + err, err
    assert code in DOCUMENTED, (code, out, err)


@pytest.mark.parametrize(
    "command",
    [["check"], ["versions"], ["update", "--dry-run"], ["update"], ["diff"]],
    ids="-".join,
)
def test_an_option_as_template_source_never_reaches_git(
    scene: Scene, run_cli: Run, made: Made, command: list[str]
) -> None:
    project = _project(made, scene, "proj")
    _poison_answers(project, scene)
    ran = run_cli(*command, cwd=project)
    _assert_safe(ran, scene)
    assert ran.code not in (0, 2), f"a hostile _src_path passed silently: {ran.err}"


@pytest.mark.parametrize(
    "command",
    [["check"], ["update"], ["diff"], ["versions"]],
    ids=lambda c: c[0],
)
def test_repository_config_does_not_run(
    scene: Scene, run_cli: Run, made: Made, command: list[str]
) -> None:
    project = _project(made, scene, "proj")
    (project / "README.md").write_text("# team edit\n", encoding="utf-8")
    if command[0] == "update":
        git(project, "commit", "--quiet", "-am", "team edit")
    _poison_config(project, scene)
    ran = run_cli(*command, cwd=project)
    _assert_safe(ran, scene)


def test_fleet_report_names_every_repository(scene: Scene, run_cli: Run, made: Made) -> None:
    good = _project(made, scene, "good")
    bad_src = _project(made, scene, "bad-src")
    bad_config = _project(made, scene, "bad-config")
    _poison_answers(bad_src, scene)
    _poison_config(bad_config, scene)
    (bad_config / "README.md").write_text("# dirty\n", encoding="utf-8")
    ran = run_cli("fleet", "report", str(scene.work), "--format", "json")
    _assert_safe(ran, scene)
    names = {Path(row["path"]).name for row in json.loads(ran.out)["result"]["repos"]}
    assert {good.name, bad_src.name, bad_config.name} <= names


def test_fleet_update_runs_no_hook_filter_or_driver(scene: Scene, run_cli: Run, made: Made) -> None:
    good = _project(made, scene, "good")
    bad = _project(made, scene, "bad-config")
    _poison_config(bad, scene)
    ran = run_cli("fleet", "update", str(scene.work), "--format", "json")
    _assert_safe(ran, scene)
    assert good.name in ran.out
    assert bad.name in ran.out


@pytest.mark.parametrize(
    "answers",
    [
        "\n".join(
            [f"l0: &l0 [{', '.join(['x'] * 10)}]"]
            + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
        ),
        "_src_path: caf\xe9\n",
    ],
    ids=["alias-bomb", "latin-1"],
)
@pytest.mark.parametrize("command", [["update"], ["diff"], ["versions"]], ids="-".join)
def test_a_hostile_answers_file_is_a_clear_error(
    scene: Scene, run_cli: Run, made: Made, answers: str, command: list[str]
) -> None:
    project = _project(made, scene, "proj")
    (project / ".copier-answers.yml").write_bytes(answers.encode("latin-1"))
    git(project, "commit", "--quiet", "-am", "hostile answers")
    ran = run_cli(*command, cwd=project, timeout=60)
    _assert_safe(ran, scene)
    assert ran.code == 4, ran.err
