"""Hostile templates: without --trust nothing of theirs runs, and nothing lands outside."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import Ran, Run, Scene, assert_clear_error, make_template

USER_ERROR = 4


def _create(run_cli: Run, template: Path, *extra: str) -> Ran:
    return run_cli("proj", "--template", str(template), "--defaults", "--no-lock", *extra)


def _nothing_created(scene: Scene) -> None:
    scene.assert_untouched()
    assert sorted(p.name for p in scene.work.iterdir()) == [], "create left something behind"


def _hook(scene: Scene) -> str:
    return f"#!/bin/sh\n{scene.payload()}\n"


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"project/{{ '.git' }}/hooks/post-commit": "HOOK"}, id="git-hook"),
        pytest.param({"project/{{ '.git' }}/config": "FSMONITOR"}, id="git-config-fsmonitor"),
        pytest.param({"project/sub/{{ '.GIT' }}/config": "FSMONITOR"}, id="nested-git-folder"),
        pytest.param({"project/{{ '.git' }}.jinja": "gitdir: /elsewhere\n"}, id="git-file"),
    ],
)
def test_rendered_git_paths_are_refused_before_git_runs(
    scene: Scene, run_cli: Run, files: dict[str, str]
) -> None:
    config = f"[core]\n\tfsmonitor = {scene.payload()}\n\thooksPath = hooks\n"
    body = {"HOOK": _hook(scene), "FSMONITOR": config}
    template = make_template(
        scene.root / "tpl", {name: body.get(text, text) for name, text in files.items()}
    )
    ran = _create(run_cli, template)
    assert_clear_error(ran, USER_ERROR, ".git")
    _nothing_created(scene)


def test_tasks_do_not_run_without_trust(scene: Scene, run_cli: Run) -> None:
    template = make_template(scene.root / "tpl", {}, f'_tasks:\n  - "{scene.payload()}"\n')
    ran = _create(run_cli, template)
    assert_clear_error(ran, USER_ERROR, "tasks", "--trust")
    _nothing_created(scene)


def test_tasks_run_with_trust(scene: Scene, run_cli: Run) -> None:
    """The payload check can fail: --trust does run the tasks (in the new project)."""
    template = make_template(scene.root / "tpl", {}, f'_tasks:\n  - "{scene.payload()}"\n')
    ran = _create(run_cli, template, "--trust")
    assert ran.code == 0, ran.err
    assert scene.marker.exists()


def test_jinja_extensions_are_not_imported_without_trust(scene: Scene, run_cli: Run) -> None:
    module = f"from pathlib import Path\nPath({str(scene.marker)!r}).touch()\n"
    template = make_template(
        scene.root / "tpl", {"evil_ext.py": module}, "_jinja_extensions:\n  - evil_ext.Ext\n"
    )
    ran = _create(run_cli, template)
    assert_clear_error(ran, USER_ERROR, "Jinja extensions", "--trust")
    _nothing_created(scene)


def test_untrusted_build_backend_is_not_run_by_uv_lock(scene: Scene, run_cli: Run) -> None:
    backend = f"from pathlib import Path\nPath({str(scene.marker)!r}).touch()\n"
    pyproject = (
        '[project]\nname = "proj"\nversion = "0.1.0"\n'
        '[build-system]\nrequires = []\nbuild-backend = "evil_backend"\nbackend-path = ["."]\n'
    )
    template = make_template(
        scene.root / "tpl",
        {"project/pyproject.toml": pyproject, "project/evil_backend.py": backend},
    )
    ran = run_cli("proj", "--template", str(template), "--defaults")  # --lock is the default
    assert ran.code == 0, ran.err
    assert "uv lock skipped" in ran.out + ran.err
    assert "--trust" in ran.out + ran.err
    scene.assert_untouched()
    assert not (scene.work / "proj" / "uv.lock").exists()


def test_symlink_leaving_the_project_is_refused(scene: Scene, run_cli: Run) -> None:
    template = make_template(
        scene.root / "tpl",
        {},
        "_preserve_symlinks: true\n",
        symlinks={"project/data": str(scene.outside), "project/up": "../../.."},
    )
    ran = _create(run_cli, template)
    assert_clear_error(ran, USER_ERROR, "symlink")
    _nothing_created(scene)


def test_followed_symlink_to_a_secret_is_refused(scene: Scene, run_cli: Run) -> None:
    secret = scene.root / "secret.txt"
    secret.write_text("s3cret\n", encoding="utf-8")
    template = make_template(scene.root / "tpl", {}, symlinks={"project/stolen.txt": str(secret)})
    ran = _create(run_cli, template)
    assert_clear_error(ran, USER_ERROR, "stolen.txt")
    _nothing_created(scene)


@pytest.mark.parametrize(
    "name",
    ["project/{{ where }}/x.txt", "project/{{ '..' }}/{{ '..' }}/outside/x.txt"],
    ids=["absolute", "dot-dot"],
)
def test_paths_leaving_the_project_are_refused(scene: Scene, run_cli: Run, name: str) -> None:
    where = f"where:\n  type: str\n  default: {scene.outside}\n  when: false\n"
    template = make_template(scene.root / "tpl", {name: "escaped\n"}, where)
    ran = _create(run_cli, template)
    assert_clear_error(ran, USER_ERROR, "forbidden")
    _nothing_created(scene)


def test_template_repository_config_does_not_run(scene: Scene, run_cli: Run) -> None:
    """A local template's own .git/config (fsmonitor, filters) and hooks stay inert.

    Untagged and dirty, so copier runs `git status` in it and commits the changes.
    """
    template = make_template(scene.root / "tpl", {".gitattributes": "* filter=evil\n"}, tag=None)
    hooks = template / ".git" / "hooks"
    for hook in ("post-checkout", "pre-commit", "post-commit"):
        (hooks / hook).write_text(_hook(scene), encoding="utf-8")
        (hooks / hook).chmod(0o755)
    with (template / ".git" / "config").open("a", encoding="utf-8") as config:
        config.write(
            f'[core]\n\tfsmonitor = "{scene.payload()}"\n'
            f'[filter "evil"]\n\tclean = "{scene.payload()}"\n\tsmudge = "{scene.payload()}"\n'
        )
    (template / "README.extra").write_text("dirty\n", encoding="utf-8")  # copier commits a WIP
    ran = _create(run_cli, template)
    assert ran.code == 0, ran.err
    scene.assert_untouched()
