"""The update engine's merge model: ignored, flagged, symlinked, renamed, disabled and owned files,
the lock, the journal (``--abort``/``--continue``) and the dry run's prediction (issue 10)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mlops_new.cli._errors import ExitCode
from mlops_new.project import journal
from tests.support.helpers import ANSWERS_TEMPLATE, build_tree, git
from tests.update.conftest import CONFIG_V2, Cli, commit_all, files_of, report

MakeProject = Callable[..., Path]


def org_template(root: Path, releases: list[dict[str, str]], ignore: str = "") -> Path:
    """A copier template in git with one tag per release (``v1.0.0``, ``v2.0.0``, ...)."""
    git(root.parent, "init", "--quiet", str(root)) if not root.exists() else None
    for number, files in enumerate(releases, start=1):
        for old in root.rglob("*"):
            if old.is_file() and ".git" not in old.relative_to(root).parts:
                old.unlink()
        build_tree(
            root,
            {
                "copier.yml": "pkg:\n  type: str\n  default: demo\n",
                "{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE,
                ".gitignore": ignore,
                **files,
            },
        )
        git(root, "add", "--all", "--force")
        git(root, "commit", "--quiet", "--allow-empty", "-m", f"v{number}")
        git(root, "tag", f"v{number}.0.0")
    return root


def made(cli: Cli, tmp_path: Path, template: Path, *extra: str) -> Path:
    result = cli(
        "p", "--template", str(template), "--ref", "1.0.0", "--defaults", "--no-lock", *extra
    )
    assert result.exit_code == 0, result.output
    return tmp_path / "p"


GUIDE_V1 = "# Guide\n\nIntro.\n\nStep one.\n\nStep two.\n\nEnd.\n"
GUIDE_V2 = GUIDE_V1.replace("Intro.", "Intro, version 2.")


# -- case 4: git-ignored folders the template writes into -----------------------------------


def test_files_in_an_ignored_folder_are_merged_on_disk_and_never_lost(
    cli: Cli, tmp_path: Path
) -> None:
    template = org_template(
        tmp_path.parent / "ignored-folder",
        [{"docs/guide.md": GUIDE_V1}, {"docs/guide.md": GUIDE_V2, "docs/new.md": "new\n"}],
        ignore="/docs/\n",
    )
    project = made(cli, tmp_path, template)
    assert "docs/guide.md" not in git(project, "ls-files")
    guide = project / "docs" / "guide.md"
    guide.write_text(GUIDE_V1.replace("End.", "End, ours."))
    (project / "docs" / "own.md").write_text("team notes\n")
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert guide.read_text() == GUIDE_V2.replace("End.", "End, ours.")
    assert (project / "docs" / "own.md").read_text() == "team notes\n"
    assert (project / "docs" / "new.md").read_text() == "new\n"
    assert report(result)["ignored"] == ["docs/guide.md", "docs/new.md"]
    assert "docs/" not in git(project, "ls-files")


def test_a_conflict_in_an_ignored_file_is_predicted_by_the_dry_run_and_undone_by_abort(
    cli: Cli, tmp_path: Path
) -> None:
    template = org_template(
        tmp_path.parent / "ignored-conflict",
        [{"docs/guide.md": GUIDE_V1}, {"docs/guide.md": GUIDE_V2}],
        ignore="/docs/\n",
    )
    project = made(cli, tmp_path, template)
    ours = GUIDE_V1.replace("Intro.", "Intro, ours.")
    (project / "docs" / "guide.md").write_text(ours)
    dry = cli("update", str(project), "--defaults", "--dry-run", "--format", "json")
    assert dry.exit_code == ExitCode.CONFLICTS, dry.output
    assert report(dry)["conflicts"] == ["docs/guide.md"]
    assert (project / "docs" / "guide.md").read_text() == ours
    real = cli("update", str(project), "--defaults")
    assert real.exit_code == ExitCode.CONFLICTS, real.output
    assert "<<<<<<< before updating" in (project / "docs" / "guide.md").read_text()
    aborted = cli("update", str(project), "--abort")
    assert aborted.exit_code == 0, aborted.output
    assert "template v1.0.0" in aborted.stdout
    assert (project / "docs" / "guide.md").read_text() == ours
    assert git(project, "status", "--porcelain") == ""


# -- case 5: skip-worktree / assume-unchanged --------------------------------------------


@pytest.mark.parametrize("flag", ["--skip-worktree", "--assume-unchanged"])
def test_hidden_local_edits_stop_the_update_before_any_change(
    cli: Cli, make_project: MakeProject, flag: str
) -> None:
    project = make_project("0.1.0")
    git(project, "update-index", flag, "--", "config.txt")
    (project / "config.txt").write_text("local secret\n")
    before = files_of(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "'config.txt' is marked" in result.stderr
    assert files_of(project) == before
    assert journal.read(project) is None


# -- case 6: symlinked directories ---------------------------------------------------------


def test_a_tracked_directory_symlink_is_never_written_through(cli: Cli, tmp_path: Path) -> None:
    template = org_template(
        tmp_path.parent / "symlinked",
        [{"docs/guide.md": GUIDE_V1}, {"docs/guide.md": GUIDE_V2}],
    )
    project = made(cli, tmp_path, template)
    git(project, "mv", "docs", "handbook")
    (project / "handbook" / "guide.md").write_text(GUIDE_V1.replace("End.", "End, ours."))
    (project / "handbook" / "team.md").write_text("team\n")
    (project / "docs").symlink_to("handbook")
    commit_all(project, "docs live in the handbook")
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code in {ExitCode.OK, ExitCode.CONFLICTS}, result.output
    assert (project / "docs").is_symlink()
    assert (project / "handbook" / "team.md").read_text() == "team\n"
    guide = (project / "handbook" / "guide.md").read_text()
    assert "End, ours." in guide
    assert "Intro, version 2." in guide  # git followed the move of docs/ to handbook/


def test_an_untracked_directory_symlink_stops_the_update(cli: Cli, tmp_path: Path) -> None:
    template = org_template(
        tmp_path.parent / "untracked-link",
        [{"docs/guide.md": GUIDE_V1}, {"docs/guide.md": GUIDE_V2}],
        ignore="/docs\n",
    )
    project = made(cli, tmp_path, template)
    (project / "docs" / "guide.md").rename(tmp_path / "guide.md")
    (project / "docs").rmdir()
    handbook = tmp_path / "handbook"
    handbook.mkdir()
    (handbook / "guide.md").write_text(GUIDE_V1.replace("End.", "End, ours."))
    (project / "docs").symlink_to(handbook)
    result = cli("update", str(project), "--defaults")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert "through the symlink 'docs'" in result.stderr
    assert (handbook / "guide.md").read_text() == GUIDE_V1.replace("End.", "End, ours.")


# -- case 7: renames -----------------------------------------------------------------------


def test_a_file_the_team_moved_still_gets_the_template_change(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    git(project, "mv", "config.txt", "settings.txt")
    settings = project / "settings.txt"
    settings.write_text(settings.read_text().replace("epsilon=5", "epsilon=50"))
    commit_all(project, "config is called settings here")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert settings.read_text() == CONFIG_V2.replace("epsilon=5", "epsilon=50")
    assert not (project / "config.txt").exists()


TRAIN = "import data\n\n\ndef train():\n    return 1\n\n\ndef evaluate():\n    return 2\n"


def test_an_answer_that_renames_a_package_carries_the_team_edits(cli: Cli, tmp_path: Path) -> None:
    files = {"src/{{ pkg }}/train.py": TRAIN, "src/{{ pkg }}/__init__.py": ""}
    template = org_template(tmp_path.parent / "renames", [files])
    project = made(cli, tmp_path, template)
    edited = TRAIN.replace("return 1", "return 100  # tuned")
    (project / "src" / "demo" / "train.py").write_text(edited)
    commit_all(project)
    result = cli("update", str(project), "-d", "pkg=churn", "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert (project / "src" / "churn" / "train.py").read_text() == edited
    assert not (project / "src" / "demo").exists()
    assert ["src/demo/train.py", "src/churn/train.py"] in report(result)["renamed"]


# -- case 8: a feature disabled by an answer ------------------------------------------------


def test_disabling_a_feature_keeps_a_team_edited_file_as_a_conflict(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.2.0", "proj", "-d", "component=api")
    (project / "api.py").write_text("print('api')\nprint('ours')\n")
    commit_all(project)
    result = cli(
        "update", str(project), "-d", "component=none", "--to", "0.2.0", "--format", "json"
    )
    assert result.exit_code == ExitCode.CONFLICTS, result.output
    assert report(result)["conflicts"] == ["api.py"]
    assert (project / "api.py").read_text() == "print('api')\nprint('ours')\n"


# -- files the team deleted, files the project owns -----------------------------------------


def test_template_changes_to_a_deleted_file_are_reported_as_skipped(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    (project / "README.md").unlink()
    commit_all(project, "no readme")
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)["skipped"] == ["README.md"]
    assert not (project / "README.md").exists()


def test_paths_the_project_excludes_are_never_touched(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    (project / "pyproject.toml").write_text('[tool.mlops-new]\nexclude = ["config.txt", "NEWS*"]\n')
    commit_all(project, "we own config.txt")
    config = (project / "config.txt").read_text()
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert (project / "config.txt").read_text() == config
    assert not (project / "NEWS.md").exists()
    assert report(result)["excluded"] == ["NEWS.md", "config.txt"]


def test_dry_run_predicts_conflicts_with_exit_3_and_diff_shows_the_patch(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    (project / "config.txt").write_text("alpha=5\n")
    commit_all(project)
    before = files_of(project)
    result = cli("update", str(project), "--to", "0.2.0", "--defaults", "--dry-run", "--diff")
    assert result.exit_code == ExitCode.CONFLICTS, result.output
    assert "diff --git a/NEWS.md b/NEWS.md" in result.stdout
    assert "+<<<<<<< before updating" in result.stdout
    assert files_of(project) == before
    assert git(project, "status", "--porcelain", "--ignored") == ""


def test_the_answers_file_stays_copier_compatible(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 0
    answers = (project / ".copier-answers.yml").read_text()
    assert "_commit: v0.2.0" in answers
    assert "_src_path: ~/.mlops-new/template" in answers
    commit_all(project, "update")
    proc = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--vcs-ref", "v0.3.0",
         "-d", "team=ml", str(project)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (project / "TEAM").read_text() == "ml\n"
    assert "_commit: v0.3.0" in (project / ".copier-answers.yml").read_text()


@pytest.mark.parametrize(
    ("extra", "warning"),
    [((), "pass --trust"), (("--no-lock",), "--no-lock")],
    ids=["untrusted", "no-lock"],
)
def test_uv_lock_is_refreshed_only_when_trusted_and_the_report_says_so(
    cli: Cli, tmp_path: Path, extra: tuple[str, ...], warning: str
) -> None:
    pyproject = '[project]\nname = "p"\nversion = "0"\ndependencies = []\n'
    template = org_template(
        tmp_path.parent / ("relock-" + "".join(c for c in warning if c.isalpha())),
        [
            {"pyproject.toml": pyproject},
            {"pyproject.toml": pyproject.replace("[]", '["requests"]')},
        ],
    )
    project = made(cli, tmp_path, template)
    (project / "uv.lock").write_text("version = 1\n")
    commit_all(project, "locked")
    result = cli("update", str(project), "--defaults", *extra, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = report(result)
    assert payload["relocked"] is False
    assert any(warning in text for text in payload["warnings"])
    assert (project / "uv.lock").read_text() == "version = 1\n"


def test_renders_are_cached_so_the_next_update_or_diff_renders_nothing_again(
    cli: Cli, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_new.templates import render

    project = make_project("0.1.0")
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 0
    commit_all(project, "update")
    calls: list[str] = []
    real = render._render

    def counted(ref: object, *args: object, **kwargs: object) -> None:
        calls.append(str(ref))
        real(ref, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "_render", counted)
    monkeypatch.setattr(render, "_can_fork", lambda: False)
    assert cli("diff", str(project)).exit_code == 0
    dry = cli("update", str(project), "--to", "0.3.0", "--defaults", "-d", "team=ml", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert len(calls) == 1  # only v0.3.0: v0.2.0 with the recorded answers came from the cache


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: build_tree(root, {"sub/.git/config": "[core]\n"}), "sub/.git"),
        # A case-insensitive file system's .git: the rule render once applied missed it.
        (lambda root: build_tree(root, {"sub/.GIT/config": "[core]\n"}), "sub/.GIT"),
        (lambda root: (root / "leak").symlink_to("/etc/passwd"), "'leak' -> '/etc/passwd'"),
        (lambda root: (root / "up").symlink_to("../outside"), "'up' -> '../outside'"),
    ],
    ids=["git-component", "git-any-case", "absolute-symlink", "escaping-symlink"],
)
def test_a_render_that_could_reach_outside_the_project_is_refused(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    from mlops_new.core.errors import TemplateSourceError
    from mlops_new.templates._copier import refuse_forbidden_paths

    root = tmp_path / "render"
    build_tree(root, {"README.md": "ok\n", "docs/index.md": "ok\n"})
    (root / "readme-link").symlink_to("README.md")
    refuse_forbidden_paths(root, "tpl")  # an internal symlink is fine
    make(root)
    with pytest.raises(TemplateSourceError, match=message.replace(".", r"\.")):
        refuse_forbidden_paths(root, "tpl")


def test_the_render_cache_prunes_unused_and_least_recently_used_renders(tmp_path: Path) -> None:
    from mlops_new.templates import render

    now = 10_000_000.0
    day = 24 * 3600.0
    ages = {"fresh": 0.0, "week": 7 * day, "stale": 31 * day, "in-use": 60.0}
    for name, age in ages.items():
        (tmp_path / name / "project").mkdir(parents=True)
        os.utime(tmp_path / name, (now - age, now - age))
    (tmp_path / ".staging-x").mkdir()  # another process storing: never touched
    os.utime(tmp_path / ".staging-x", (now - 60, now - 60))
    (tmp_path / ".staging-killed" / "project").mkdir(parents=True)  # a process killed storing
    os.utime(tmp_path / ".staging-killed", (now - 2 * day, now - 2 * day))
    removed = render.prune(tmp_path, now=now)
    assert sorted(path.name for path in removed) == [".staging-killed", "stale"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".staging-x", "fresh", "in-use", "week"]

    many = render.MAX_RENDERS + 3
    for index in range(many):
        entry = tmp_path / f"r{index:04d}"
        (entry / "project").mkdir(parents=True)
        used = now - 2 * 3600 - index  # r0000 is the most recently used
        os.utime(entry, (used, used))
    removed = render.prune(tmp_path, now=now)
    # Over the cap the least recently used go (fresh and in-use are the newest two).
    oldest = {f"r{i:04d}" for i in range(render.MAX_RENDERS - 2, many)}
    assert {path.name for path in removed} == oldest | {"week"}
    assert len(list(tmp_path.iterdir())) == render.MAX_RENDERS + 1  # + the staging folder
