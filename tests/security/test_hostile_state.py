"""Damaged or odd state is a one- or two-line error with its documented exit code.

- ``_commit`` naming a revision the template lacks (``diff``, ``restore``): 4;
- a truncated pack in the template store: 5 (a damaged store);
- ``core.worktree`` pointing elsewhere: 4, not git's raw message;
- the per-user folders (store, renders, tmp) are private (0700) under umask 022.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.security.conftest import Run, Scene, assert_clear_error, make_versions
from tests.support.helpers import git


def _project(scene: Scene, run_cli: Run, *args: str) -> Path:
    if not args:
        template = scene.root / "tpl"
        make_versions(template, [("v0.1.0", {}, ""), ("v0.2.0", {"project/NEWS.md": "n\n"}, "")])
        args = ("--template", str(template), "--ref", "0.1.0")
    ran = run_cli("proj", *args, "--defaults", "--no-lock")
    assert ran.code == 0, ran.err
    return scene.work / "proj"


@pytest.mark.parametrize("command", [["diff"], ["restore", "README.md"]], ids=lambda c: c[0])
def test_a_commit_the_template_lacks_is_a_clear_error(
    scene: Scene, run_cli: Run, command: list[str]
) -> None:
    project = _project(scene, run_cli)
    answers = project / ".copier-answers.yml"
    answers.write_text(
        answers.read_text(encoding="utf-8").replace("_commit: v0.1.0", "_commit: v9.9.9"),
        encoding="utf-8",
    )
    git(project, "commit", "--quiet", "-am", "unknown commit")
    ran = run_cli(*command, cwd=project)
    assert_clear_error(ran, 4, "v9.9.9")


def test_a_truncated_store_pack_is_a_damaged_store(scene: Scene, run_cli: Run) -> None:
    project = _project(scene, run_cli, "--ref", "0.2.0")
    store = Path(os.environ["HOME"]) / ".mlops-new" / "template"
    packs = list((store / ".git" / "objects" / "pack").glob("*.pack")) or list(
        (store / "objects" / "pack").glob("*.pack")
    )
    assert packs, list(store.rglob("*"))[:20]
    for pack in packs:  # a new file in its place: never through a hard link to a shared one
        half = pack.with_name("half.tmp")
        half.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])
        half.replace(pack)
    renders = store.parent / "renders"
    for entry in renders.iterdir() if renders.is_dir() else ():
        entry.rename(entry.with_name(f"gone-{entry.name}"))
    ran = run_cli("diff", cwd=project)
    assert_clear_error(ran, 5)


def test_core_worktree_elsewhere_is_a_clear_error(scene: Scene, run_cli: Run) -> None:
    project = _project(scene, run_cli)
    git(project, "config", "core.worktree", str(scene.outside))
    ran = run_cli("diff", cwd=project)
    assert_clear_error(ran, 4, "core.worktree")
    assert list(scene.outside.iterdir()) == []


def test_the_per_user_folders_are_private(scene: Scene, run_cli: Run) -> None:
    old = os.umask(0o022)
    try:
        _project(scene, run_cli, "--ref", "0.2.0")
    finally:
        os.umask(old)
    home = Path(os.environ["HOME"]) / ".mlops-new"
    for folder in (home, *(p for p in home.iterdir() if p.is_dir())):
        mode = stat.S_IMODE(folder.stat().st_mode)
        assert mode & 0o077 == 0, (folder, oct(mode))


def test_unwritable_render_cache_and_tmp_do_not_stop_create_or_update(
    scene: Scene, run_cli: Run
) -> None:
    """Files where the folders should be: as unwritable as a read-only store, even for root."""
    template = scene.root / "tpl"
    make_versions(template, [("v0.1.0", {}, ""), ("v0.2.0", {"project/NEWS.md": "n\n"}, "")])
    home = Path(os.environ["HOME"]) / ".mlops-new"
    home.mkdir(parents=True, exist_ok=True)
    for name in ("renders", "tmp"):
        (home / name).write_text("not a folder\n", encoding="utf-8")
    ran = run_cli("proj", "--template", str(template), "--ref", "0.1.0", "--defaults", "--no-lock")
    assert ran.code == 0, ran.err
    ran = run_cli("update", "--to", "0.2.0", cwd=scene.work / "proj")
    assert ran.code == 0, ran.err
    assert (scene.work / "proj" / "NEWS.md").is_file()
