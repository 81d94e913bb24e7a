"""copier.yml settings `update` honours for any template: `_skip_if_exists`, the update
messages (issue 26)."""

from __future__ import annotations

from pathlib import Path

from tests.support.helpers import build_tree, git
from tests.update.conftest import Cli, commit_all, report


def _tagged(root: Path, versions: list[dict[str, str]]) -> Path:
    """A template with one tagged commit (v1.N.0) per dict of files."""
    root.mkdir(parents=True)
    git(root, "init", "--quiet")
    for index, files in enumerate(versions):
        build_tree(root, files)
        commit_all(root, f"v{index}")
        git(root, "tag", f"v1.{index}.0")
    return root


ANSWERS = {"{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n"}


SKIPPING = (
    "_skip_if_exists:\n  - settings.ini\n  - '{{ team }}.cfg'\n"
    "team:\n  type: str\n  default: platform\n"
)


def _template(root: Path) -> Path:
    """v1 and v2 both change ``settings.ini`` (skipped once it exists) and ``policy.txt``."""
    first = {"settings.ini": "level=1\n", "{{ team }}.cfg": "team=1\n", "policy.txt": "rule=1\n"}
    second = {"settings.ini": "level=2\n", "{{ team }}.cfg": "team=2\n", "policy.txt": "rule=2\n"}
    messages = (
        "_message_before_update: Back up {{ _folder_name }} first.\n"
        "_message_after_update: 'Run make setup for {{ team }} ({{ _copier_operation }}).'\n"
    )
    added = SKIPPING.replace("settings.ini\n", "settings.ini\n  - added.ini\n")
    return _tagged(
        root,
        [
            {"copier.yml": SKIPPING, **first, **ANSWERS},
            {"copier.yml": added + messages, **second, "added.ini": "new=1\n"},
        ],
    )


def test_skip_if_exists_files_stay_the_project_s_and_missing_ones_come(
    cli: Cli, tmp_path: Path
) -> None:
    org = _template(tmp_path.parent / "org-skip")
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    (project / "settings.ini").write_text("level=1\nours=1\n")  # the team's edit
    commit_all(project)
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output  # no conflict
    payload = report(result)
    assert (project / "settings.ini").read_text() == "level=1\nours=1\n"  # edited: kept
    assert (project / "platform.cfg").read_text() == "team=1\n"  # unedited: kept too
    assert (project / "policy.txt").read_text() == "rule=2\n"  # merged as ever
    assert (project / "added.ini").read_text() == "new=1\n"  # missing: created
    assert set(payload["excluded"]) >= {"settings.ini", "platform.cfg"}
    assert payload["conflicts"] == []
    assert payload["messages"] == ["Back up p first.", "Run make setup for platform (update)."]


def test_the_update_messages_reach_every_format(cli: Cli, tmp_path: Path) -> None:
    org = _template(tmp_path.parent / "org-messages")
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    markdown = cli("update", str(project), "--defaults", "--dry-run", "--format", "markdown")
    assert "### From the template\n\n- Back up p first.\n" in markdown.stdout
    rich = cli("update", str(project), "--defaults")
    assert rich.exit_code == 0, rich.output
    assert "From the template: Run make setup for platform (update)." in rich.stderr


def test_a_message_after_copy_may_include_the_template_s_files(cli: Cli, tmp_path: Path) -> None:
    """copier removes its checkout before the message is shown: the include still reads."""
    config = "_message_after_copy: \"{% include 'next.md' %}\"\nteam:\n  type: str\n  default: ml\n"
    org = _tagged(
        tmp_path.parent / "org-include",
        [{"copier.yml": config, "next.md": "Welcome, {{ team }}.\n", **ANSWERS}],
    )
    made = cli("p", "--template", str(org), "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    assert "Welcome, ml." in made.stdout


def test_a_file_name_with_a_line_break_is_created_and_updated(cli: Cli, tmp_path: Path) -> None:
    name = "notes\nv.txt"
    config = "team:\n  type: str\n  default: ml\n"
    org = _tagged(
        tmp_path.parent / "org-newline",
        [{"copier.yml": config, name: "one\n", **ANSWERS}, {name: "two\n"}],
    )
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert name in report(result)["changed"]
    assert (project / name).read_text() == "two\n"
    (project / name).write_text("ours\n")
    assert cli("diff", str(project), "--format", "json").exit_code == 0


STEPS_V1 = (
    "_tasks:\n"
    "  - echo {{ _copier_operation }} >> tasks.log\n"
    "  - command: exit 3\n"
    "    when: \"{{ _copier_operation == 'update' and fail_update }}\"\n"
    "fail_update:\n  type: bool\n  default: false\n"
)


def _with_steps(root: Path, migration: str) -> Path:
    return _tagged(
        root,
        [
            {"copier.yml": STEPS_V1, "policy.txt": "rule=1\n", **ANSWERS},
            {"copier.yml": STEPS_V1 + migration, "policy.txt": "rule=2\n"},
        ],
    )


AFTER = (
    "_migrations:\n  - version: v1.1.0\n"
    "    command: echo {{ _version_from }}-{{ _version_to }} > migrated.txt\n"
)


def test_trusted_updates_run_the_template_s_migrations_and_tasks(cli: Cli, tmp_path: Path) -> None:
    org = _with_steps(tmp_path.parent / "org-steps", AFTER)
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock", "--trust")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    assert (project / "tasks.log").read_text() == "copy\n"
    assert git(project, "status", "--porcelain") == ""  # the task ran before the first commit
    untrusted = cli("update", str(project), "--defaults", "--format", "json")
    assert untrusted.exit_code == 0, untrusted.output
    assert report(untrusted)["migrations"] == []  # without --trust: nothing of the template runs
    assert not (project / "migrated.txt").exists()
    git(project, "reset", "--quiet", "--hard")
    dry = cli("update", str(project), "--defaults", "--trust", "--dry-run", "--format", "json")
    planned = ["v1.1.0: echo 1.0.0-1.1.0 > migrated.txt", "task: echo update >> tasks.log"]
    assert report(dry)["migrations"] == planned
    assert not (project / "migrated.txt").exists()
    trusted = cli("update", str(project), "--defaults", "--trust", "--format", "json")
    assert trusted.exit_code == 0, trusted.output
    assert report(trusted)["migrations"] == planned
    assert (project / "migrated.txt").read_text() == "1.0.0-1.1.0\n"
    assert (project / "tasks.log").read_text() == "copy\nupdate\n"
    assert (project / "policy.txt").read_text() == "rule=2\n"


def test_a_failing_step_rolls_the_update_back(cli: Cli, tmp_path: Path) -> None:
    org = _with_steps(tmp_path.parent / "org-fail", "")
    made = cli(
        "p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock", "--trust",
        "-d", "fail_update=true",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    head = git(project, "rev-parse", "HEAD")
    failed = cli("update", str(project), "--defaults", "--trust")
    assert failed.exit_code == 4, failed.output
    assert "task: exit 3' failed (exit 3)" in failed.output
    assert "rolled back" in failed.output or git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""
    assert (project / "policy.txt").read_text() == "rule=1\n"


def test_a_migration_copier_runs_before_updating_is_refused_first(cli: Cli, tmp_path: Path) -> None:
    before = (
        "_migrations:\n  - version: v1.1.0\n    command: touch before.txt\n"
        "    when: \"{{ _stage == 'before' }}\"\n"
    )
    org = _with_steps(tmp_path.parent / "org-before", before)
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock", "--trust")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    refused = cli("update", str(project), "--defaults", "--trust")
    assert refused.exit_code == 4, refused.output
    assert "migration v1.1.0, which copier runs before updating" in refused.output
    assert git(project, "status", "--porcelain") == ""
    assert not (project / "before.txt").exists()
