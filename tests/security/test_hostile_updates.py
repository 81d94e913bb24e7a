"""Updating to a hostile template version: nothing of it runs or reaches ``.git/``.

The update engine renders each version off-tree through ``_copier.copy``,
which refuses ``.git`` paths and never runs copier's ``_migrations``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.security.conftest import Run, Scene, make_versions
from tests.support.helpers import git


def _digest(folder: Path) -> str:
    """A fingerprint of a project's git config and hooks."""
    parts = []
    for path in sorted([folder / ".git" / "config", *(folder / ".git" / "hooks").glob("*")]):
        parts.append(f"{path.name}:{path.read_bytes().hex() if path.is_file() else ''}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _project_at_v1(scene: Scene, run_cli: Run, v2_files: dict[str, str], v2_extra: str) -> Path:
    template = make_versions(
        scene.root / "tpl",
        [("v0.1.0", {}, ""), ("v0.2.0", {"project/NEWS.md": "news\n", **v2_files}, v2_extra)],
    )
    ran = run_cli("proj", "--template", str(template), "--ref", "0.1.0", "--defaults", "--no-lock")
    assert ran.code == 0, ran.err
    return scene.work / "proj"


@pytest.mark.parametrize(
    "dry_run",
    [pytest.param(True, id="dry-run"), pytest.param(False, id="apply")],
)
def test_an_update_that_renders_git_paths_is_refused(
    scene: Scene, run_cli: Run, dry_run: bool
) -> None:
    hook = f"#!/bin/sh\n{scene.payload()}\n"
    config = f"[core]\n\tfsmonitor = {scene.payload()}\n"
    project = _project_at_v1(
        scene,
        run_cli,
        {"project/{{ '.git' }}/hooks/post-commit": hook, "project/{{ '.git' }}/config": config},
        "",
    )
    before = _digest(project)
    ran = run_cli("update", "--to", "0.2.0", *(["--dry-run"] if dry_run else []), cwd=project)
    assert "Traceback" not in ran.err
    assert ran.code == 4, ran.err
    assert ".git" in ran.err
    assert _digest(project) == before, "the update wrote into .git/"
    scene.assert_untouched()


def test_update_runs_migrations_only_with_trust(scene: Scene, run_cli: Run) -> None:
    """Without --trust a template's migration never runs; with it, the user said it may
    (as `copier update` runs it): the payload check can fail both ways."""
    migration = f'_migrations:\n  - version: v0.2.0\n    command: "{scene.payload()}"\n'
    project = _project_at_v1(scene, run_cli, {}, migration)
    ran = run_cli("update", "--to", "0.2.0", cwd=project)
    assert "Traceback" not in ran.err
    assert ran.code == 0, ran.err
    assert (project / "NEWS.md").is_file()
    scene.assert_untouched()
    git(project, "reset", "--quiet", "--hard")
    ran = run_cli("update", "--to", "0.2.0", "--trust", cwd=project)
    assert ran.code == 0, ran.err
    assert scene.marker.exists()


def test_a_template_with_tasks_updates_without_trust_and_runs_none(
    scene: Scene, run_cli: Run
) -> None:
    project = _project_at_v1(scene, run_cli, {}, f'_tasks:\n  - "{scene.payload()}"\n')
    ran = run_cli("update", "--to", "0.2.0", cwd=project)
    assert "Traceback" not in ran.err
    assert ran.code == 0, ran.err
    assert (project / "NEWS.md").is_file()
    scene.assert_untouched()
