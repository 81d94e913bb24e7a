"""A pull request's project content: a template it ships, symlinks, deeply nested files.

- a ``_src_path`` naming a folder inside the repository under review is refused
  (exit 4) by ``diff``, ``restore``, ``update`` and ``fleet update``: CI never
  renders a template the pull request wrote (nor commits the job's token);
- ``diff`` and ``restore`` never read or write through a symlink;
- deeply nested TOML and JSON are a result (or a one-line error), never a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.security.conftest import Run, Scene, assert_clear_error, make_versions
from tests.support.helpers import git

SECRET = "ghp_token-of-the-ci-runner"  # noqa: S105  (a stand-in token)


def _project(scene: Scene, run_cli: Run, name: str = "proj") -> Path:
    template = scene.root / "tpl"
    if not template.exists():
        make_versions(
            template,
            [("v0.1.0", {}, ""), ("v0.2.0", {"project/NEWS.md": "news\n"}, "")],
        )
    ran = run_cli(name, "--template", str(template), "--ref", "0.1.0", "--defaults", "--no-lock")
    assert ran.code == 0, ran.err
    return scene.work / name


def _ship_template(project: Path, scene: Scene, src: str) -> None:
    """The pull request: a template of its own, and the answers pointing at it."""
    shutil.copytree(scene.root / "tpl", project / "evil-tpl", ignore=shutil.ignore_patterns(".git"))
    (project / "evil-tpl" / "project" / "README.md.jinja").write_text(
        "{{ '$GH_TOKEN' | expandvars }}\n", encoding="utf-8"
    )
    answers = project / ".copier-answers.yml"
    text = answers.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("_src_path:"))
    answers.write_text(text.replace(line, f"_src_path: {src}"), encoding="utf-8")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "a pull request")


@pytest.mark.parametrize("relative", [True, False], ids=["relative", "absolute"])
@pytest.mark.parametrize(
    "command",
    [["diff", "--exit-code"], ["restore", "README.md"], ["update"]],
    ids=lambda c: c[0],
)
def test_a_template_the_repository_ships_is_refused(
    scene: Scene,
    run_cli: Run,
    monkeypatch: pytest.MonkeyPatch,
    relative: bool,
    command: list[str],
) -> None:
    monkeypatch.setenv("GH_TOKEN", SECRET)
    project = _project(scene, run_cli)
    _ship_template(project, scene, "evil-tpl" if relative else str(project / "evil-tpl"))
    head = git(project, "rev-parse", "HEAD")
    ran = run_cli(*command, cwd=project)
    assert_clear_error(ran, 4, "inside the repository")
    assert SECRET not in ran.out + ran.err + (project / "README.md").read_text()
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""


def test_fleet_update_never_commits_the_runners_token(
    scene: Scene, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_TOKEN", SECRET)
    project = _project(scene, run_cli)
    _ship_template(project, scene, "evil-tpl")
    ran = run_cli("fleet", "update", str(scene.work), "--format", "json")
    assert "Traceback" not in ran.err, ran.err
    (row,) = json.loads(ran.out)["result"]["repos"]
    assert row["status"] == "failed"
    assert "inside the repository" in row["reason"]
    assert SECRET not in git(project, "log", "--all", "-p")


def test_diff_and_restore_never_read_or_write_through_a_symlink(
    scene: Scene, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_TOKEN", SECRET)
    project = _project(scene, run_cli)
    outside = scene.outside / "victim.txt"
    outside.write_text(f"{SECRET}\n", encoding="utf-8")
    readme = project / "README.md"
    readme.unlink()
    readme.symlink_to("/proc/self/environ" if Path("/proc/self/environ").exists() else outside)
    (project / "notes.md").symlink_to(outside)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "symlinks")
    ran = run_cli("diff", cwd=project)
    assert "Traceback" not in ran.err, ran.err
    assert ran.code == 0, ran.err
    assert SECRET not in ran.out + ran.err
    assert "README.md" in ran.out
    ran = run_cli("restore", "README.md", cwd=project)
    assert ran.code == 0, ran.err
    assert not readme.is_symlink()
    assert readme.read_text(encoding="utf-8") == "# proj\n"
    outside.unlink()
    assert list(scene.outside.iterdir()) == []


def test_restore_refuses_to_write_into_a_symlinked_folder(scene: Scene, run_cli: Run) -> None:
    project = _project(scene, run_cli)
    (project / "docs").symlink_to(scene.outside, target_is_directory=True)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "symlinked folder")
    ran = run_cli("restore", "docs/README.md", cwd=project)
    assert_clear_error(ran, 4, "symlink")
    assert list(scene.outside.iterdir()) == []


_DEEP_TOML = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"
_DEEP_JSON = "[" * 20_000 + "]" * 20_000


def test_deeply_nested_toml_does_not_crash_update_or_fleet_update(
    scene: Scene, run_cli: Run
) -> None:
    for name in ("one", "two"):
        project = _project(scene, run_cli, name)
        (project / "pyproject.toml").write_text(_DEEP_TOML, encoding="utf-8")
        git(project, "add", "--all")
        git(project, "commit", "--quiet", "-m", "deep")
    ran = run_cli("update", cwd=scene.work / "one")
    assert "Traceback" not in ran.err, ran.err[-2000:]
    assert ran.code in (0, 4), ran.err
    ran = run_cli("fleet", "update", str(scene.work / "two"), "--format", "json")
    assert "Traceback" not in ran.err, ran.err[-2000:]
    assert len(json.loads(ran.out)["result"]["repos"]) == 1


def test_deeply_nested_package_and_devbox_json_give_check_a_result(
    scene: Scene, run_cli: Run
) -> None:
    project = _project(scene, run_cli)
    (project / "package.json").write_text(_DEEP_JSON, encoding="utf-8")
    (project / "devbox.json").write_text(_DEEP_JSON, encoding="utf-8")
    (project / "tests").mkdir()
    (project / "tests" / "test_it.py").write_text("def test_it():\n    pass\n", encoding="utf-8")
    workflows = project / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: npm run verify\n      - run: devbox run verify\n",
        encoding="utf-8",
    )
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "deep json")
    ran = run_cli("check", "--format", "json", cwd=project)
    assert "Traceback" not in ran.err, ran.err[-2000:]
    assert ran.code in (0, 7, 8), ran.err
    assert json.loads(ran.out)["result"]
