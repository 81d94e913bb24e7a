"""`versions`, `diff`, `restore`, `link`, organisation templates, tasks and migrations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mlops_new.cli._errors import ExitCode
from mlops_new.engine.migrations import Migration
from mlops_new.ops.update import UpdateOptions, update_project
from tests.support.helpers import build_tree, git
from tests.update.conftest import CONFIG_V2, Cli, commit_all, report

MakeProject = Callable[..., Path]


def test_versions_lists_newest_first_and_marks_the_project(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.2.0")
    result = cli("versions", "--path", str(project), "--format", "json")
    assert result.exit_code == 0, result.output
    payload = report(result)
    assert [v["version"] for v in payload["versions"]] == ["0.3.0", "0.2.0", "0.1.0"]
    assert payload["versions"][0]["summary"] == "Release 0.3.0"
    assert payload["project_version"] == "0.2.0"
    human = cli("versions", "--path", str(project))
    assert "v0.2.0  Release 0.2.0  <- this project" in human.stdout


def test_versions_outside_a_project_shows_the_bundled_template(cli: Cli) -> None:
    payload = report(cli("versions", "--format", "json"))
    assert payload["project_version"] is None
    assert payload["template_src"] == "~/.mlops-new/template"


def test_diff_shows_team_changes_only(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    clean = cli("diff", str(project), "--exit-code")
    assert clean.exit_code == 0, clean.output
    assert "No drift" in clean.stdout
    (project / "notes.md").write_text("our own file\n")
    commit_all(project, "a file of our own is not drift")
    assert cli("diff", str(project), "--exit-code").exit_code == 0
    (project / "config.txt").write_text("alpha=1\n")
    (project / "legacy.txt").unlink()
    (project / "mine.py").write_text("x = 1\n")
    commit_all(project)
    result = cli("diff", str(project), "--exit-code", "--format", "json")
    assert result.exit_code == ExitCode.DRIFT
    payload = report(result)
    assert payload["modified"] == ["config.txt"]
    assert payload["deleted"] == ["legacy.txt"]
    assert payload["added"] == ["mine.py", "notes.md"]
    assert "-beta=2" in payload["patch"]
    assert cli("diff", str(project)).exit_code == 0


def test_restore_refuses_unknown_files_and_uncommitted_edits(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    unknown = cli("restore", "nope.txt", "--path", str(project))
    assert unknown.exit_code == ExitCode.USER_ERROR
    assert "'nope.txt' is not a file of template v0.1.0" in unknown.stderr
    (project / "config.txt").write_text("mine\n")
    dirty = cli("restore", "config.txt", "--path", str(project))
    assert dirty.exit_code == ExitCode.USER_ERROR
    assert "uncommitted changes" in dirty.stderr
    assert (project / "config.txt").read_text() == "mine\n"


def test_link_adopts_a_hand_made_repository_then_update_merges(cli: Cli, tmp_path: Path) -> None:
    repo = build_tree(
        tmp_path / "legacy-repo",
        {
            "config.txt": "alpha=1\nbeta=2\ngamma=3\ndelta=4\nepsilon=50\n",
            "src/model.py": "print('ours')\n",
        },
    )
    git(repo, "init", "--quiet")
    commit_all(repo, "our history")
    before = git(repo, "rev-parse", "HEAD")
    result = cli("link", str(repo), "--ref", "0.1.0", "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)["template_version"] == "0.1.0"
    assert git(repo, "rev-parse", "HEAD~1") == before
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == ".copier-answers.yml"
    assert (repo / "src/model.py").read_text() == "print('ours')\n"
    update = cli("update", str(repo), "--to", "0.2.0", "--defaults")
    assert update.exit_code == 0, update.output
    assert (repo / "config.txt").read_text() == CONFIG_V2.replace("epsilon=5", "epsilon=50")
    again = cli("link", str(repo))
    assert again.exit_code == ExitCode.USER_ERROR
    assert "already has .copier-answers.yml" in again.stderr


def _org_template(root: Path, tasks: bool) -> Path:
    copier_yml = "team:\n  type: str\n  default: platform\n"
    if tasks:
        copier_yml += '_tasks:\n  - "touch task-ran-{{ _copier_operation }}"\n'
    build_tree(
        root,
        {
            "copier.yml": copier_yml,
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
            "policy.txt": "rule=1\nkeep=yes\n",
        },
    )
    git(root, "init", "--quiet")
    commit_all(root, "v1")
    git(root, "tag", "v1.0.0")
    (root / "policy.txt").write_text("rule=2\nkeep=yes\n")
    commit_all(root, "v2")
    git(root, "tag", "v1.1.0")
    return root


def test_an_organisation_template_is_created_edited_and_updated(cli: Cli, tmp_path: Path) -> None:
    org = _org_template(tmp_path.parent / "org", tasks=False)
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    (project / "policy.txt").write_text("rule=1\nkeep=yes\nours=1\n")
    commit_all(project)
    listed = report(cli("versions", "--path", str(project), "--format", "json"))
    assert [v["version"] for v in listed["versions"]] == ["1.1.0", "1.0.0"]
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)["to_version"] == "1.1.0"
    assert (project / "policy.txt").read_text() == "rule=2\nkeep=yes\nours=1\n"


def test_tasks_run_on_update_only_when_trusted(cli: Cli, tmp_path: Path) -> None:
    org = _org_template(tmp_path.parent / "org-tasks", tasks=True)
    refused = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert refused.exit_code == ExitCode.USER_ERROR
    assert "--trust" in refused.stderr
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock", "--trust")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    assert sorted(p.name for p in project.glob("task-ran-*")) == ["task-ran-copy"]
    untrusted = cli("update", str(project), "--defaults", "--dry-run")
    assert untrusted.exit_code == 0, untrusted.output
    result = cli("update", str(project), "--defaults")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in project.glob("task-ran-*")) == ["task-ran-copy"]
    git(project, "reset", "--quiet", "--hard")
    result = cli("update", str(project), "--defaults", "--trust")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in project.glob("task-ran-*")) == [
        "task-ran-copy",
        "task-ran-update",
    ]


def test_migrations_run_in_order_with_their_versions(
    make_project: MakeProject,
) -> None:
    project = make_project("0.1.0")
    calls: list[tuple[str, str, str]] = []

    def step(version: str) -> Migration:
        def apply(path: Path, old: str, new: str) -> None:
            calls.append((version, old, new))
            (path / f"migrated-{version}").write_text("")

        return Migration(version, f"step {version}", apply)

    options = UpdateOptions(
        to="0.3.0",
        data={"team": "ml"},
        defaults=True,
        steps=(step("0.3.0"), step("0.1.0"), step("0.2.0"), step("0.4.0")),
    )
    result = update_project(project, options)
    assert calls == [("0.2.0", "0.1.0", "0.3.0"), ("0.3.0", "0.1.0", "0.3.0")]
    assert result.migrations == ("v0.2.0: step 0.2.0", "v0.3.0: step 0.3.0")
    assert (project / "migrated-0.2.0").is_file()


def test_update_report_names_versions_and_changelog(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    result = cli("update", str(project), "-d", "team=ml", "--defaults")
    assert result.exit_code == 0, result.output
    assert "from template v0.1.0 to v0.3.0" in result.stdout
    assert "v0.2.0: Release 0.2.0" in result.stdout
    assert "v0.3.0: Release 0.3.0" in result.stdout
    assert "Removed (1)" in result.stdout


def test_link_without_ref_takes_the_newest_tag_of_another_template(
    cli: Cli, tmp_path: Path
) -> None:
    org = _org_template(tmp_path.parent / "org-link", tasks=False)
    repo = build_tree(tmp_path / "adopted", {"policy.txt": "rule=1\nkeep=yes\n"})
    git(repo, "init", "--quiet")
    commit_all(repo, "our history")
    result = cli("link", str(repo), "--template", str(org), "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)["template_version"] == "1.1.0"
    assert "_commit: v1.1.0" in (repo / ".copier-answers.yml").read_text()


def _extension_template(root: Path) -> Path:
    """A template that loads a Jinja extension in every version (as copier-uv does)."""
    build_tree(
        root,
        {
            "copier.yml": "_jinja_extensions:\n  - jinja2.ext.do\nteam:\n  type: str\n"
            "  default: platform\n",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
            "policy.txt.jinja": "{% set rules = [] %}{% do rules.append(1) %}rule={{ rules[0] }}\n"
            "keep=yes\n",
        },
    )
    git(root, "init", "--quiet")
    commit_all(root, "v1")
    git(root, "tag", "v1.0.0")
    (root / "policy.txt.jinja").write_text(
        "{% set rules = [] %}{% do rules.append(2) %}rule={{ rules[0] }}\nkeep=yes\n"
    )
    commit_all(root, "v2")
    git(root, "tag", "v1.1.0")
    return root


def test_trust_reaches_every_render_of_a_template_with_extensions(cli: Cli, tmp_path: Path) -> None:
    """`--trust` loads the extensions of the project's recorded version too (`update`'s base
    render), and `diff`, `restore` and `link` take it; without it each says to pass it."""
    org = _extension_template(tmp_path.parent / "org-ext")
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock", "--trust")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    (project / "policy.txt").write_text("rule=1\nkeep=yes\nours=1\n")
    commit_all(project)
    for command in (["diff", str(project)], ["restore", "policy.txt", "--path", str(project)]):
        refused = cli(*command)
        assert refused.exit_code == ExitCode.USER_ERROR, refused.output
        assert "--trust" in refused.output
    drift = cli("diff", str(project), "--trust", "--format", "json")
    assert drift.exit_code == 0, drift.output
    assert report(drift)["modified"] == ["policy.txt"]
    refused = cli("update", str(project), "--defaults")
    assert refused.exit_code == ExitCode.USER_ERROR, refused.output
    assert "--trust" in refused.output
    assert (project / "policy.txt").read_text() == "rule=1\nkeep=yes\nours=1\n"
    result = cli("update", str(project), "--defaults", "--trust", "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)["to_version"] == "1.1.0"
    assert (project / "policy.txt").read_text() == "rule=2\nkeep=yes\nours=1\n"
    commit_all(project, "the update")
    restored = cli("restore", "policy.txt", "--path", str(project), "--trust")
    assert restored.exit_code == 0, restored.output
    assert (project / "policy.txt").read_text() == "rule=2\nkeep=yes\n"
    repo = tmp_path / "adopted"
    build_tree(repo, {"README.md": "# adopted\n"})
    git(repo, "init", "--quiet")
    commit_all(repo, "ours")
    refused = cli("link", str(repo), "--template", str(org))
    assert refused.exit_code == ExitCode.USER_ERROR, refused.output
    linked = cli("link", str(repo), "--template", str(org), "--trust", "--format", "json")
    assert linked.exit_code == 0, linked.output
    assert (repo / ".copier-answers.yml").is_file()
