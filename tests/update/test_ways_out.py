"""The ways out of an update (``--abort``, ``--continue``, the rollback on Ctrl-C or an error)
are as safe as the way in: ``git merge --abort`` semantics, scoped to what the update wrote.

Real git, real symlinks, a real monorepo, real edits during a slow ``uv lock`` (a stand-in
that edits and sends Ctrl-C), a real ``git gc``.  Numbers refer to the cases of issue #20.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mlops_new.cli._errors import ExitCode
from mlops_new.engine import applier
from mlops_new.project import journal
from tests.support.helpers import ANSWERS_TEMPLATE, git, release_trees
from tests.update.conftest import CONFIG_V1, CONFIG_V2, COPIER_V1, Cli, commit_all

PYPROJECT = '[project]\nname = "proj"\nversion = "0"\ndependencies = [{deps}]\n'
W1 = {
    "copier.yml": COPIER_V1,
    "project/{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE,
    "project/README.md.jinja": "# {{ project_name }}\n",
    "project/config.txt": CONFIG_V1,
    "project/LICENSE": "MIT\n",
    "project/docs/index.md": "docs v1\n",
    "project/src/app/main.py": "print(1)\n",
    "project/pyproject.toml": PYPROJECT.format(deps=""),
    "project/.gitignore": "/local.env\n",
    "project/local.env.jinja": "A=1\nB=2\nC=3\nD=4\n",  # .jinja: not ignored in the checkout
}
W2 = {
    **W1,
    "project/config.txt": CONFIG_V2,
    "project/docs/index.md": "docs v2\n",
    "project/docs/guide.md": "guide v2\n",
    "project/src/app/main.py": "print(2)\n",
    "project/src/app/extra.py": "EXTRA = 2\n",
    "project/NEWS.md": "news v2\n",
    "project/pyproject.toml": PYPROJECT.format(deps='"requests"'),
    "project/local.env.jinja": "A=10\nB=2\nC=3\nD=4\n",
}
MakeProject = Callable[..., Path]


@pytest.fixture(scope="module")
def update_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Overrides the package's template: two versions with folders, pyproject.toml, an ignored
    file (``local.env``)."""
    return release_trees(tmp_path_factory.mktemp("ways-out"), [("0.1.0", W1), ("0.2.0", W2)])


@pytest.fixture(scope="module")
def pristine(update_checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project made at 0.1.0 (with a committed uv.lock) per module; tests copy it."""
    from typer.testing import CliRunner

    from mlops_new.cli import app, route
    from mlops_new.templates import store

    root = tmp_path_factory.mktemp("ways-out-pristine")
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("ways-out-home")
        (home / ".gitconfig").write_text("[user]\n\tname = T\n\temail = t@example.com\n")
        patch.setenv("HOME", str(home))
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        bundle = update_checkout / "src" / "mlops_new" / "_template"
        patch.setattr(store, "bundle_dir", lambda: bundle)
        patch.chdir(root)
        made = CliRunner().invoke(app, route(["proj", "--ref", "0.1.0", "--defaults", "--no-lock"]))
        assert made.exit_code == 0, made.output
    project = root / "proj"
    (project / "uv.lock").write_text("version = 1\n")
    commit_all(project, "lock")
    return project


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the module's 0.1.0 project."""
    target = tmp_path / "proj"
    shutil.copytree(pristine, target, symlinks=True)
    return target


@pytest.fixture
def slow_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """A stand-in ``uv`` on PATH: ``uv lock`` runs ``script`` (the team editing files while it
    runs), then sends Ctrl-C to mlops-new and sleeps."""
    folder = tmp_path / "bin"
    folder.mkdir()

    def install(script: str) -> None:
        uv = folder / "uv"
        uv.write_text(f"#!/bin/sh\n{script}\nkill -INT $PPID\nsleep 5\n")
        uv.chmod(0o755)

    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return install


def snapshot(root: Path) -> dict[str, object]:
    """Every path under ``root`` (symlinks as their target, not followed) outside ``.git``."""
    found: dict[str, object] = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in [*files, *(d for d in dirs if (Path(dirpath) / d).is_symlink())]:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            found[rel] = f"-> {path.readlink()}" if path.is_symlink() else path.read_bytes()
    return found


def conflict(project: Path) -> None:
    """A committed team edit that conflicts with 0.2.0's config.txt."""
    (project / "config.txt").write_text(CONFIG_V1.replace("alpha=1", "alpha=5"))
    commit_all(project, "team config")


def update(cli: Cli, project: Path, *extra: str) -> int:
    return cli("update", str(project), "--to", "0.2.0", "--defaults", *extra).exit_code


def abort(cli: Cli, project: Path) -> tuple[int, str]:
    result = cli("update", str(project), "--abort")
    return result.exit_code, result.output


# -- 1: nothing outside the repository is touched ---------------------------------------------


def _shared_docs(project: Path) -> Path:
    """``docs`` is a committed symlink to a folder beside the project, with untracked files."""
    shared = project.parent / "shared-docs"
    shared.mkdir()
    (shared / "index.md").write_text("shared\n")
    (shared / "guide.md").write_text("the team's guide, never tracked\n")
    shutil.rmtree(project / "docs")
    (project / "docs").symlink_to("../shared-docs")
    conflict(project)
    return shared


def test_1_abort_never_deletes_files_outside_through_a_committed_symlink(
    cli: Cli, project: Path
) -> None:
    shared = _shared_docs(project)
    outside, before = snapshot(shared), snapshot(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    assert abort(cli, project)[0] == 0
    assert snapshot(shared) == outside
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_1_ctrl_c_during_uv_lock_never_deletes_files_outside(
    cli: Cli, project: Path, slow_uv: Callable[[str], None]
) -> None:
    shared = _shared_docs(project)
    (project / "config.txt").write_text(CONFIG_V1)  # no conflict: the update runs `uv lock`
    commit_all(project, "no conflict")
    outside, before = snapshot(shared), snapshot(project)
    slow_uv("true")
    assert update(cli, project) == ExitCode.ABORTED
    assert snapshot(shared) == outside
    assert snapshot(project) == before
    assert journal.read(project) is None


# -- 2: a monorepo's other folders are never touched ------------------------------------------


@pytest.fixture
def monorepo(pristine: Path, tmp_path: Path) -> Path:
    """A repository with ``libs/`` and the project at ``services/model-a``."""
    root = tmp_path / "mono"
    shutil.copytree(pristine, root / "services" / "model-a", ignore=shutil.ignore_patterns(".git"))
    (root / "libs").mkdir()
    for name in ("a.py", "b.py"):
        (root / "libs" / name).write_text(f"# {name}\n")
    git(root.parent, "init", "--quiet", "mono")
    commit_all(root, "monorepo")
    return root


def _team_edits_in_libs(root: Path) -> dict[str, object]:
    (root / "libs" / "a.py").write_text("# a.py staged edit\n")
    git(root, "add", "libs/a.py")
    (root / "libs" / "b.py").write_text("# b.py unstaged edit\n")
    (root / "libs" / "new.py").write_text("# untracked\n")
    return {"files": snapshot(root / "libs"), "status": git(root, "status", "--porcelain", "libs")}


def _libs(root: Path) -> dict[str, object]:
    return {"files": snapshot(root / "libs"), "status": git(root, "status", "--porcelain", "libs")}


def test_2_abort_in_a_monorepo_keeps_staged_and_unstaged_work_outside_the_project(
    cli: Cli, monorepo: Path
) -> None:
    project = monorepo / "services" / "model-a"
    conflict(project)
    libs = _team_edits_in_libs(monorepo)
    before = snapshot(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    assert abort(cli, project)[0] == 0
    assert _libs(monorepo) == libs
    assert snapshot(project) == before


def test_2_ctrl_c_in_a_monorepo_keeps_work_outside_the_project(
    cli: Cli, monorepo: Path, slow_uv: Callable[[str], None]
) -> None:
    project = monorepo / "services" / "model-a"
    libs = _team_edits_in_libs(monorepo)
    before = snapshot(project)
    slow_uv("true")
    assert update(cli, project) == ExitCode.ABORTED
    assert _libs(monorepo) == libs
    assert snapshot(project) == before


# -- 3: edits made after the update started are kept ------------------------------------------


def test_3_abort_keeps_partial_resolutions_and_unrelated_edits(cli: Cli, project: Path) -> None:
    conflict(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    partial = (project / "config.txt").read_text().replace("alpha=10", "alpha=7", 1)
    (project / "config.txt").write_text(partial)
    (project / "LICENSE").write_text("MIT, with the team's note\n")
    code, output = abort(cli, project)
    assert code == 0, output
    assert "config.txt" in output
    assert (project / "config.txt").read_text() == partial
    assert (project / "LICENSE").read_text() == "MIT, with the team's note\n"
    assert not (project / "NEWS.md").exists()  # what the update wrote and nobody touched: undone
    assert (project / "src/app/main.py").read_text() == "print(1)\n"
    assert journal.read(project) is None


def test_3_an_edit_saved_during_a_slow_uv_lock_survives_ctrl_c(
    cli: Cli, project: Path, slow_uv: Callable[[str], None]
) -> None:
    slow_uv(
        f"echo 'print(\"mine\")' > '{project}/src/app/main.py'\n"
        f"echo 'team licence' > '{project}/LICENSE'"
    )
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.ABORTED, result.output
    assert "src/app/main.py" in result.output
    assert (project / "src/app/main.py").read_text() == 'print("mine")\n'
    assert (project / "LICENSE").read_text() == "team licence\n"
    assert not (project / "NEWS.md").exists()
    assert (project / "config.txt").read_text() == CONFIG_V1
    assert journal.read(project) is None


@pytest.mark.parametrize("name", ["config.txt", "local.env"], ids=["tracked", "ignored"])
def test_3_a_file_saved_between_the_check_and_the_apply_refuses_and_keeps_it(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    from mlops_new.engine import planner

    real = planner.make_plan

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        plan = real(*args, **kwargs)  # type: ignore[arg-type]
        (project / name).write_text("saved by the team meanwhile\n")
        return plan

    monkeypatch.setattr("mlops_new.ops.update.make_plan", saved_meanwhile)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert f"'{name}' changed while the update was being prepared" in result.stderr
    assert (project / name).read_text() == "saved by the team meanwhile\n"
    assert "_commit: v0.1.0" in (project / ".copier-answers.yml").read_text()
    assert git(project, "status", "--porcelain") == ("M config.txt" if name == "config.txt" else "")
    assert journal.read(project) is None


# -- 4: after a commit ------------------------------------------------------------------------


def test_4_abort_after_committing_refuses_like_git_and_keeps_everything(
    cli: Cli, project: Path
) -> None:
    conflict(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    (project / "config.txt").write_text(CONFIG_V2)
    commit_all(project, "resolved")
    (project / "LICENSE").write_text("uncommitted\n")
    head, before = git(project, "rev-parse", "HEAD"), snapshot(project)
    result = cli("update", str(project), "--abort")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "git revert" in result.stderr
    assert "git reset --keep" in result.stderr
    assert git(project, "rev-parse", "HEAD") == head
    assert snapshot(project) == before


def test_4_continue_after_committing_a_killed_update_refuses_and_keeps_edits(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kill_after_move(cli, project, monkeypatch)
    commit_all(project, "committed the half-done update")
    (project / "LICENSE").write_text("uncommitted\n")
    before = snapshot(project)
    for way in ("--continue", "--abort"):
        result = cli("update", str(project), way)
        assert result.exit_code == ExitCode.USER_ERROR, result.output
        assert "HEAD moved" in result.stderr
        assert snapshot(project) == before


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even the rollback."""


def _kill_after_move(cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = applier.move

    def killed(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise _Killed

    with monkeypatch.context() as patch:
        patch.setattr(applier, "move", killed)
        patch.setattr(applier, "rollback", lambda *args: [])
        with pytest.raises(_Killed):
            cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert journal.read(project) is not None


# -- 5: a symlink to a folder inside the project ----------------------------------------------


def test_5_abort_never_deletes_team_files_through_a_symlink_inside_the_project(
    cli: Cli, project: Path
) -> None:
    notes = project / "notes"
    notes.mkdir()
    (notes / "guide.md").write_text("the team's guide\n")
    (notes / "index.md").write_text("the team's index\n")
    shutil.rmtree(project / "docs")
    (project / "docs").symlink_to("notes")
    conflict(project)
    before = snapshot(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    code, output = abort(cli, project)
    assert code == 0, output
    assert snapshot(project) == before
    again = cli("update", str(project), "--continue")
    assert again.exit_code == ExitCode.USER_ERROR
    assert "No template update" in again.stderr


def test_7_continue_after_a_reset_refuses_instead_of_reporting_success(
    cli: Cli, project: Path
) -> None:
    conflict(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    git(project, "reset", "--hard", "--quiet")
    result = cli("update", str(project), "--continue")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "no longer in the project" in result.stderr
    assert journal.read(project) is None


# -- 6: robust state ------------------------------------------------------------------------


def test_6_the_journal_survives_moving_the_project(cli: Cli, project: Path) -> None:
    conflict(project)
    before = snapshot(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    moved = project.parent / "moved"
    project.rename(moved)
    code, output = abort(cli, moved)
    assert code == 0, output
    assert snapshot(moved) == before
    assert git(moved, "status", "--porcelain") == ""


@pytest.mark.parametrize("way", ["--abort", "--continue"])
def test_6_git_gc_during_a_conflict_stop_breaks_neither_way_out(
    cli: Cli, project: Path, way: str
) -> None:
    conflict(project)
    before = snapshot(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    git(project, "gc", "--quiet", "--prune=now")
    if way == "--continue":
        (project / "config.txt").write_text(CONFIG_V2.replace("alpha=10", "alpha=5"))
        git(project, "add", "config.txt")
    result = cli("update", str(project), way)
    assert result.exit_code == 0, result.output
    if way == "--abort":
        assert snapshot(project) == before
    assert journal.read(project) is None
    assert git(project, "for-each-ref", "refs/mlops-new/") == ""  # the private ref is gone


@pytest.mark.parametrize("way", ["--abort", "--continue"])
def test_6_gc_during_a_killed_update_breaks_neither_way_out(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    conflict(project)  # staged conflicts: the index no longer holds the result tree
    before = snapshot(project)
    _kill_after_move(cli, project, monkeypatch)
    git(project, "gc", "--quiet", "--prune=now")
    result = cli("update", str(project), way)
    if way == "--abort":
        assert result.exit_code == 0, result.output
        assert snapshot(project) == before
        return
    assert result.exit_code == ExitCode.CONFLICTS, result.output  # finished; stops on them
    assert "<<<<<<<" in (project / "config.txt").read_text()
    (project / "config.txt").write_text(CONFIG_V2.replace("alpha=10", "alpha=5"))
    git(project, "add", "config.txt")
    done = cli("update", str(project), "--continue")
    assert done.exit_code == 0, done.output
    assert (project / "NEWS.md").read_text() == "news v2\n"


def test_6_a_submodule_where_the_template_writes_is_refused_by_name(
    cli: Cli, project: Path
) -> None:
    sub = project.parent / "sub"
    sub.mkdir()
    git(sub, "init", "--quiet")
    (sub / "index.md").write_text("sub\n")
    commit_all(sub, "sub")
    shutil.rmtree(project / "docs")
    commit_all(project, "no docs")
    git(project, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "docs")
    commit_all(project, "submodule")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "'docs' is a git submodule" in result.stderr
    assert "_commit: v0.1.0" in (project / ".copier-answers.yml").read_text()
    assert (project / "docs" / "index.md").read_text() == "sub\n"


def test_6_disk_full_during_the_apply_rolls_back_with_the_file_system_message(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_new.core import worktree

    before = snapshot(project)

    def full(*args: object) -> bool:
        raise OSError(errno.ENOSPC, "No space left on device", str(project / "local.env"))

    monkeypatch.setattr(worktree, "write_bytes_at", full)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""
    assert journal.read(project) is None


def test_6_disk_full_during_the_rollback_too_names_the_command_that_finishes_it(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_new.core import worktree

    before = snapshot(project)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "somewhere")

    with monkeypatch.context() as patch:
        patch.setattr(worktree, "write_bytes_at", full)
        patch.setattr(worktree, "write", full)
        result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "No space left on device" in result.stderr
    assert "mlops-new update --abort" in result.stderr
    code, output = abort(cli, project)
    assert code == 0, output
    assert snapshot(project) == before


# -- 7: other processes, other projects, unresolved markers, git operations ------------------


def test_7_another_process_index_lock_is_waited_for_then_named_and_never_deleted(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(applier, "INDEX_LOCK_WAIT", 0.2)
    lock = project / ".git" / "index.lock"
    lock.write_text("")
    before = snapshot(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "index.lock' exists: another git process" in result.stderr
    assert "rollback" not in result.stderr
    assert lock.exists()
    lock.unlink()
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""
    assert journal.read(project) is None


def test_7_an_index_lock_during_abort_is_named_and_abort_can_be_retried(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(applier, "INDEX_LOCK_WAIT", 0.2)
    conflict(project)
    before = snapshot(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    lock = project / ".git" / "index.lock"
    lock.write_text("")
    result = cli("update", str(project), "--abort")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "index.lock' exists" in result.stderr
    assert lock.exists()
    lock.unlink()
    assert abort(cli, project)[0] == 0
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_7_abort_in_another_project_of_the_monorepo_leaves_this_one_alone(
    cli: Cli, monorepo: Path, pristine: Path
) -> None:
    project_a = monorepo / "services" / "model-a"
    project_b = monorepo / "services" / "model-b"
    shutil.copytree(pristine, project_b, ignore=shutil.ignore_patterns(".git"))
    commit_all(monorepo, "second project")
    conflict(project_a)
    assert update(cli, project_a, "--no-lock") == ExitCode.CONFLICTS
    stopped = snapshot(project_a)
    result = cli("update", str(project_b), "--abort")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "services/model-a" in result.stderr
    assert snapshot(project_a) == stopped
    assert journal.read(monorepo) is not None


def test_7_continue_refuses_markers_left_in_an_added_file_and_an_ignored_file(
    cli: Cli, project: Path
) -> None:
    (project / "NEWS.md").write_text("the team's own news\n")
    commit_all(project, "team news")
    (project / "local.env").write_text("A=5\nB=2\nC=3\nD=4\n")  # ignored: both change A
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    assert "<<<<<<<" in (project / "NEWS.md").read_text()
    git(project, "add", "NEWS.md")
    result = cli("update", str(project), "--continue")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "NEWS.md" in result.stderr
    assert "local.env" in result.stderr
    (project / "NEWS.md").write_text("the team's own news\nnews v2\n")
    git(project, "add", "NEWS.md")
    (project / "local.env").write_text("A=5\nB=2\nC=3\nD=4\n")
    done = cli("update", str(project), "--continue")
    assert done.exit_code == 0, done.output


def test_7_no_update_in_the_middle_of_an_interactive_rebase(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "LICENSE").write_text("MIT\nedited\n")
    commit_all(project, "one more")
    monkeypatch.setenv("GIT_SEQUENCE_EDITOR", "sed -i -e s/^pick/edit/")
    git(project, "rebase", "-i", "--quiet", "HEAD~1")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "middle of a rebase" in result.stderr
    assert "_commit: v0.1.0" in (project / ".copier-answers.yml").read_text()


# -- the property: every byte the update did not write is unchanged ---------------------------

EDITS_BEFORE = (
    "stage-libs",
    "unstage-libs",
    "untracked-libs",
    "ignored-in",
    "ignored-out",
    "commit",
)
LEAD = "services/model-a/"
EDITS_AFTER: dict[str, tuple[str, str | None, bool]] = {
    "wrote": (LEAD + "src/app/main.py", "print('team')\n", False),
    "wrote-staged": (LEAD + "docs/index.md", "docs by the team\n", True),
    "wrote-deleted": (LEAD + "NEWS.md", None, False),
    "added-deleted": (LEAD + "src/app/extra.py", None, False),
    "conflicted": (LEAD + "config.txt", "alpha=5\nhalf resolved\n", False),
    "conflicted-staged": (LEAD + "config.txt", "resolved by the team\n", True),
    "untouched": (LEAD + "LICENSE", "MIT, edited after\n", False),
    "untouched-staged": (LEAD + "uv.lock", "version = 2\n", True),
    "untracked-in": (LEAD + "notes.txt", "the team's notes\n", False),
    "libs": ("libs/b.py", "# libs after\n", False),
    "libs-staged": ("libs/a.py", "# libs staged after\n", True),
    "ignored-in": (LEAD + "local.env", "A=99\n", False),
    "through-link": (LEAD + "libs-link/b.py", "# through the project's symlink\n", False),
}
"""Team edits after the update stopped: (path in the repository, new text or delete, stage)."""


def _edit_before(rng: random.Random, root: Path) -> None:
    project = root / "services" / "model-a"
    for edit in rng.sample(EDITS_BEFORE, rng.randint(0, len(EDITS_BEFORE))):
        if edit == "stage-libs":
            (root / "libs" / "a.py").write_text("# staged before\n")
            git(root, "add", "libs/a.py")
        elif edit == "unstage-libs":
            (root / "libs" / "b.py").write_text("# unstaged before\n")
        elif edit == "untracked-libs":
            (root / "libs" / "scratch.py").write_text("# untracked before\n")
        elif edit == "ignored-in":
            (project / "local.env").write_text("A=1\nB=2\nC=3\nD=40\n")
        elif edit == "ignored-out":
            (root / "libs" / "cache.tmp").write_text("ignored outside the project\n")
        else:
            (project / "README.md").write_text("# proj\n\nThe team's readme.\n")
            git(root, "add", "services/model-a/README.md")
            git(root, "commit", "--quiet", "-m", "team readme")


def _edits_after(rng: random.Random) -> list[str]:
    """A random sequence of keys of :data:`EDITS_AFTER`, and maybe one outside the repository."""
    keys = rng.sample(sorted(EDITS_AFTER), rng.randint(1, len(EDITS_AFTER)))
    return [*keys, *(["outside"] if rng.random() < 0.5 else [])]


def _script(root: Path, outside: Path, keys: list[str]) -> Path:
    """The edits as a Python script, so a stand-in `uv` can make them while the update runs."""
    lines = ["import pathlib, subprocess"]
    for key in keys:
        name, text, stage = EDITS_AFTER.get(key, ("", "edited outside after\n", False))
        path = outside / "shared.md" if key == "outside" else root / name
        if text is None:
            lines.append(f"pathlib.Path({str(path)!r}).unlink(missing_ok=True)")
        else:
            lines.append(f"pathlib.Path({str(path)!r}).write_text({text!r})")
        if stage:
            lines.append(f"subprocess.run(['git', 'add', '--', {name!r}], cwd={str(root)!r})")
    script = root.parent / "edits.py"
    script.write_text("\n".join(lines) + "\n")
    return script


def _expected(
    root: Path, keys: list[str], files: dict[str, object], index: dict[str, list[str]]
) -> tuple[set[str], dict[str, object], dict[str, list[str]]]:
    """What the team's edits leave kept over the state before the update."""
    touched = set()
    for key in (key for key in keys if key in EDITS_AFTER):
        name, text, stage = EDITS_AFTER[key]
        name = name.replace(LEAD + "libs-link/", "libs/")
        touched.add(name)
        files.pop(name, None)
        if text is not None:
            files[name] = text.encode()
        if stage:
            oid = subprocess.run(
                ["git", "hash-object", "--stdin"], input=text, text=True, capture_output=True,
                cwd=root, check=True,
            ).stdout.strip()  # fmt: skip
            index[name] = [f"100644 {oid} 0\t{name}"]
    return touched, files, index


def _index(root: Path) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for line in git(root, "ls-files", "-s").splitlines():
        lines.setdefault(line.split("\t", 1)[1], []).append(line)
    return lines


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("way", ["abort", "ctrl-c"])
def test_the_ways_out_restore_exactly_what_the_update_wrote_and_keep_every_other_byte(
    cli: Cli, monorepo: Path, tmp_path: Path, slow_uv: Callable[[str], None], way: str, seed: int
) -> None:
    """Random team edits before and after the update (tracked, staged, untracked, ignored,
    inside and outside the project and the repository, beside symlinks), then ``--abort`` or,
    with the edits made during a slow `uv lock`, Ctrl-C."""
    rng = random.Random(seed)  # noqa: S311  (a seeded test, not cryptography)
    root, project = monorepo, monorepo / "services" / "model-a"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "shared.md").write_text("outside the repository\n")
    (root / "libs" / "ext").symlink_to(outside)  # a committed symlink out of the repository
    (project / "libs-link").symlink_to("../../libs")  # one from the project to outside it
    (project / "docs-link").symlink_to("docs")  # one to a folder the update writes in
    (root / ".gitignore").write_text("*.tmp\n")
    commit_all(root, "symlinks")
    conflict(project)
    _edit_before(rng, root)
    keys = _edits_after(rng)
    script = _script(root, outside, keys)
    touched, files, index = _expected(root, keys, snapshot(root), _index(root))
    if way == "abort":
        assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
        subprocess.run([sys.executable, str(script)], check=True)
        code, output = abort(cli, project)
        assert code == 0, output
    else:
        slow_uv(f"'{sys.executable}' '{script}'")
        result = cli("update", str(project), "--to", "0.2.0", "--defaults")
        code, output = result.exit_code, result.output
        assert code == ExitCode.ABORTED, output
    assert snapshot(root) == files
    assert _index(root) == index
    shared = "edited outside after\n" if "outside" in keys else "outside the repository\n"
    assert snapshot(outside) == {"shared.md": shared.encode()}
    for name in touched & {f"{LEAD}src/app/main.py", f"{LEAD}docs/index.md"}:
        assert name.removeprefix(LEAD) in output or name in output  # kept and reported
    assert journal.read(root) is None


def test_6_a_journal_naming_a_path_outside_its_project_is_refused(cli: Cli, monorepo: Path) -> None:
    project = monorepo / "services" / "model-a"
    conflict(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    path = journal.state_dir(monorepo) / "journal.json"
    record = json.loads(path.read_text())
    record["paths"].append({"path": "libs/a.py", "before": None, "after": None, "stages": []})
    path.write_text(json.dumps(record))
    libs = snapshot(monorepo / "libs")
    for way in ("--abort", "--continue"):
        result = cli("update", str(project), way)
        assert result.exit_code == ExitCode.USER_ERROR, result.output
        assert "'libs/a.py', which is not inside its project" in result.stderr
    assert snapshot(monorepo / "libs") == libs


def test_4_continue_after_committing_says_so_and_settles(cli: Cli, project: Path) -> None:
    conflict(project)
    assert update(cli, project, "--no-lock") == ExitCode.CONFLICTS
    (project / "config.txt").write_text(CONFIG_V2)
    commit_all(project, "resolved")
    (project / "LICENSE").write_text("uncommitted\n")
    before = snapshot(project)
    result = cli("update", str(project), "--continue")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "already committed" in result.stderr
    assert snapshot(project) == before
    assert journal.read(project) is None


def test_4_a_way_out_on_another_branch_refuses_and_names_the_branch(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kill_after_move(cli, project, monkeypatch)
    git(project, "switch", "--quiet", "-c", "elsewhere")  # same commit, the tree comes along
    before = snapshot(project)
    result = cli("update", str(project), "--abort")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "made on main" in result.stderr
    assert "git switch main" in result.stderr
    assert snapshot(project) == before
    git(project, "switch", "--quiet", "main")
    assert abort(cli, project)[0] == 0
    assert "_commit: v0.1.0" in (project / ".copier-answers.yml").read_text()
    assert git(project, "status", "--porcelain") == ""


def test_7_a_committed_folder_symlink_stays_and_the_template_files_below_it_are_skipped(
    cli: Cli, project: Path
) -> None:
    notes = project / "notes"
    notes.mkdir()
    (notes / "index.md").write_text("the team's index\n")
    shutil.rmtree(project / "docs")
    (project / "docs").symlink_to("notes")
    commit_all(project, "docs is a link")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)["result"]
    assert sorted(payload["skipped"]) == ["docs/guide.md", "docs/index.md"]
    assert (project / "docs").is_symlink()
    assert (project / "docs").readlink() == Path("notes")
    assert sorted(p.name for p in notes.iterdir()) == ["index.md"]
    assert not [path for path in project.iterdir() if path.name.startswith("docs~")]
    assert (project / "NEWS.md").read_text() == "news v2\n"
    assert git(project, "diff", "--name-only", "--diff-filter=U") == ""


def test_7_a_folder_the_team_deleted_stays_deleted_new_template_files_included(
    cli: Cli, project: Path
) -> None:
    git(project, "rm", "-r", "-q", "src")
    commit_all(project, "no src")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)["result"]
    assert not (project / "src").exists()
    assert sorted(payload["skipped"]) == ["src/app/extra.py", "src/app/main.py"]
    assert (project / "docs" / "guide.md").read_text() == "guide v2\n"  # a kept folder grows
    restored = cli("restore", "src/app/main.py", "--path", str(project))
    assert restored.exit_code == 0, restored.output
    assert (project / "src/app/main.py").read_text() == "print(2)\n"
