"""`mlops-new update`: a 3-way merge that never loses work (hermetic, no network)."""

from __future__ import annotations

import filecmp
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mlops_new.cli._errors import ExitCode
from tests.support.helpers import build_tree, git
from tests.update.conftest import CONFIG_V2, Cli, commit_all, report

MakeProject = Callable[..., Path]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _answers(project: Path) -> dict[str, object]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_same_version_is_a_no_op(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.3.0", "proj", "-d", "team=ml")
    head = git(project, "rev-parse", "HEAD")
    result = cli("update", str(project), "--format", "json")
    assert result.exit_code == 0, result.output
    payload = report(result)
    assert payload["up_to_date"] is True
    assert payload["from_version"] == payload["to_version"] == "0.3.0"
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""


def test_unedited_project_becomes_a_fresh_copy_of_the_new_version(
    cli: Cli, make_project: MakeProject, tmp_path: Path
) -> None:
    project = make_project("0.1.0")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = report(result)
    assert payload["conflicts"] == []
    assert payload["removed"] == ["legacy.txt"]
    assert payload["removed_modified"] == []
    assert sorted(payload["added"]) == ["LICENSE", "NEWS.md"]
    assert [note["version"] for note in payload["changelog"]] == ["0.2.0"]
    fresh = make_project("0.2.0", "fresh", "-d", "project_name=proj")
    ours, theirs = _tree(project), _tree(fresh)
    ours.pop(".copier-answers.yml"), theirs.pop(".copier-answers.yml")
    assert ours == theirs
    assert _answers(project)["_commit"] == "v0.2.0"
    del tmp_path


def test_team_edit_and_template_change_in_different_places_both_survive(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    config = project / "config.txt"
    config.write_text(config.read_text().replace("epsilon=5", "epsilon=50"))
    commit_all(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == 0, result.output
    assert config.read_text() == CONFIG_V2.replace("epsilon=5", "epsilon=50")


def test_overlapping_edits_conflict_inline_unmerged_with_exit_3(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    config = project / "config.txt"
    config.write_text(config.read_text().replace("alpha=1", "alpha=5"))
    commit_all(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--format", "json")
    assert result.exit_code == ExitCode.CONFLICTS
    assert report(result)["conflicts"] == ["config.txt"]
    text = config.read_text()
    assert "<<<<<<<" in text
    assert "alpha=5" in text
    assert "alpha=10" in text
    assert "config.txt" in git(project, "diff", "--name-only", "--diff-filter=U")


def test_conflicts_are_named_in_the_human_report(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    (project / "config.txt").write_text("alpha=5\n")
    commit_all(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.CONFLICTS
    assert "Conflicts (1)" in result.stdout
    assert "config.txt" in result.stdout
    assert "Resolve the conflict markers" in result.stderr


def test_a_file_the_team_deleted_stays_deleted_and_restore_brings_it_back(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    (project / "README.md").unlink()
    commit_all(project, "we do not want a README")
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 0
    assert not (project / "README.md").exists()
    commit_all(project, "update")
    result = cli("restore", "README.md", "--path", str(project))
    assert result.exit_code == 0, result.output
    assert (project / "README.md").read_text().startswith("# proj\n\nIntro, version 2.")


def test_a_file_the_template_removed_but_the_team_modified_stays_as_a_conflict(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    (project / "legacy.txt").write_text("old\nours\n")
    commit_all(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--format", "json")
    assert result.exit_code == ExitCode.CONFLICTS, result.output
    payload = report(result)
    assert payload["conflicts"] == ["legacy.txt"]
    assert payload["removed_modified"] == ["legacy.txt"]
    assert (project / "legacy.txt").read_text() == "old\nours\n"
    assert git(project, "status", "--porcelain", "--", "legacy.txt") == "UD legacy.txt"


def test_a_file_added_by_both_sides_loses_no_content(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    (project / "NEWS.md").write_text("Our news.\n")
    commit_all(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code in {ExitCode.OK, ExitCode.CONFLICTS}, result.output
    text = (project / "NEWS.md").read_text()
    assert "Our news." in text
    assert "Template news." in text


def test_a_new_question_takes_its_default_with_defaults(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 0
    assert _answers(project)["license"] == "MIT"
    assert (project / "LICENSE").read_text() == "MIT\n"


def test_a_new_question_without_default_fails_before_any_change(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.2.0")
    head = git(project, "rev-parse", "HEAD")
    result = cli("update", str(project), "--to", "0.3.0", "--defaults")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "'team'" in result.stderr
    assert "-d team=VALUE" in result.stderr
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == head
    ok = cli("update", str(project), "--to", "0.3.0", "--defaults", "-d", "team=ml")
    assert ok.exit_code == 0, ok.output
    assert (project / "TEAM").read_text() == "ml\n"


def test_data_changes_an_answer_and_dependent_files_follow(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.2.0")
    result = cli("update", str(project), "-d", "component=api", "--defaults", "--to", "0.2.0")
    assert result.exit_code == 0, result.output
    assert (project / "api.py").is_file()
    assert _answers(project)["component"] == "api"
    commit_all(project, "add the api")
    result = cli("update", str(project), "-d", "component=none", "--defaults", "--to", "0.2.0")
    assert result.exit_code == 0, result.output
    assert not (project / "api.py").exists()


@pytest.mark.parametrize(("given", "hint"), [("componnet=api", "component"), ("zzz=1", None)])
def test_an_answer_to_no_question_is_refused_before_anything_changes(
    cli: Cli, make_project: MakeProject, given: str, hint: str | None
) -> None:
    project = make_project("0.2.0")
    head = git(project, "rev-parse", "HEAD")
    result = cli("update", str(project), "-d", given, "--to", "0.2.0")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    message = " ".join(result.stderr.split())
    assert f"has no question '{given.split('=', maxsplit=1)[0]}'" in message
    if hint:
        assert f"'{hint}'" in message  # did you mean
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""


def test_project_version_unknown_to_this_release(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("v0.1.0", "v9.9.9"))
    commit_all(project)
    result = cli("update", str(project))
    assert result.exit_code == ExitCode.USER_ERROR
    assert "template v9.9.9, which this mlops-new" in result.stderr
    assert "upgrade" in result.stderr


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: (p / ".copier-answers.yml").unlink(), "has no .copier-answers.yml"),
        (lambda p: (p / ".copier-answers.yml").write_text("a: [\n"), "is not valid YAML"),
        (lambda p: (p / ".copier-answers.yml").write_text("a: 1\n"), "_src_path and _commit"),
    ],
    ids=["missing", "corrupt", "incomplete"],
)
def test_missing_or_corrupt_answers_are_named(
    cli: Cli, make_project: MakeProject, mutate: Callable[[Path], object], message: str
) -> None:
    project = make_project("0.1.0")
    mutate(project)
    commit_all(project)
    result = cli("update", str(project))
    assert result.exit_code == ExitCode.USER_ERROR
    assert message in result.stderr


def test_downgrade_is_refused(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.2.0")
    result = cli("update", str(project), "--to", "0.1.0")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "never downgrades" in result.stderr


def test_not_a_git_repository(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    result = cli("update", str(tmp_path / "plain"))
    assert result.exit_code == ExitCode.USER_ERROR
    message = " ".join(result.stderr.split())
    assert "is not inside a git repository" in message
    assert "is not an mlops-new project" in message
    assert "git init" not in message  # outside a project, never suggest making one here


def test_dirty_repository_is_refused_and_unchanged(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    (project / "config.txt").write_text("work in progress\n")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "uncommitted changes" in result.stderr
    assert (project / "config.txt").read_text() == "work in progress\n"


def test_project_in_a_sub_folder_of_a_larger_repository(
    cli: Cli, make_project: MakeProject, tmp_path: Path
) -> None:
    made = make_project("0.1.0", "made")
    mono = tmp_path / "mono"
    build_tree(mono, {"other/keep.txt": "other team\n"})
    sub = mono / "ml" / "proj"
    for name, data in _tree(made).items():
        (sub / name).parent.mkdir(parents=True, exist_ok=True)
        (sub / name).write_bytes(data)
    git(mono, "init", "--quiet")
    commit_all(mono, "monorepo")
    result = cli("update", str(sub), "--to", "0.2.0", "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)["removed"] == ["legacy.txt"]
    assert (sub / "config.txt").read_text() == CONFIG_V2
    assert (mono / "other" / "keep.txt").read_text() == "other team\n"


def test_executable_bit_follows_the_template(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    assert not os.access(project / "run.sh", os.X_OK)
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 0
    assert os.access(project / "run.sh", os.X_OK)


def test_dry_run_reports_and_leaves_the_repository_byte_identical(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    before = _tree(project)
    head = git(project, "rev-parse", "HEAD")
    result = cli(
        "update", str(project), "--to", "0.2.0", "--defaults", "--dry-run", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    payload = report(result)
    assert payload["dry_run"] is True
    assert payload["removed"] == ["legacy.txt"]
    assert payload["path"] == str(project)
    assert _tree(project) == before
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "worktree", "list").count("\n") == 0


def test_ctrl_c_after_the_tree_moved_rolls_the_project_back(
    cli: Cli, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_new.engine import applier

    project = make_project("0.1.0")
    (project / "config.txt").write_text("team\n")
    commit_all(project)
    before = _tree(project)
    real_move = applier.move

    def interrupted(*args: object, **kwargs: object) -> None:
        real_move(*args, **kwargs)  # type: ignore[arg-type]
        assert (project / "NEWS.md").is_file()  # the tree did move
        raise KeyboardInterrupt

    monkeypatch.setattr(applier, "move", interrupted)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.ABORTED
    assert "rolled back" in result.stderr
    assert "nothing was left behind" not in result.stderr
    assert _tree(project) == before
    assert git(project, "status", "--porcelain", "--ignored") == ""


def test_ctrl_c_while_rendering_changes_nothing(
    cli: Cli, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_new.templates import _copier

    project = make_project("0.1.0")
    before = _tree(project)

    def interrupted(src: str, dst: Path, **kwargs: object) -> None:
        dst.mkdir(parents=True)
        (dst / "config.txt").write_text("half-written\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(_copier, "copy", interrupted)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.ABORTED
    assert _tree(project) == before
    assert git(project, "status", "--porcelain", "--ignored") == ""


def test_unedited_project_equals_fresh_render_at_each_step(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    assert cli("update", str(project), "--defaults", "-d", "team=ml").exit_code == 0
    fresh = make_project("0.3.0", "fresh", "-d", "team=ml")
    assert filecmp.cmp(project / "TEAM", fresh / "TEAM", shallow=False)
    assert _answers(project)["_commit"] == "v0.3.0"


def test_git_ignored_files_the_template_manages(cli: Cli, tmp_path: Path) -> None:
    org = build_tree(
        tmp_path.parent / "ignored-org",
        {
            "copier.yml": "x:\n  type: str\n  default: a\n",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
            ".gitignore": "local.env\n",
            "local.env": "TOKEN=\n#\n#\nLEVEL=1\n",
        },
    )
    git(org, "init", "--quiet")
    for tag in ("v1.0.0", "v2.0.0"):
        if tag == "v2.0.0":
            (org / "local.env").write_text("TOKEN=\n#\n#\nLEVEL=2\n")
        git(org, "add", "--all")
        git(org, "add", "--force", "local.env")  # ignored in projects, not in the template
        git(org, "commit", "--quiet", "-m", tag)
        git(org, "tag", tag)
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    assert "local.env" not in git(project, "ls-files")
    (project / "local.env").write_text("TOKEN=secret\n#\n#\nLEVEL=1\n")
    result = cli("update", str(project), "--defaults")
    assert result.exit_code == 0, result.output
    assert (project / "local.env").read_text() == "TOKEN=secret\n#\n#\nLEVEL=2\n"
