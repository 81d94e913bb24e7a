"""A relative ``_src_path`` (issue #21) names a folder relative to the project, wherever
mlops-new is run from; the answers file keeps it as the team wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.helpers import build_tree, git
from tests.update.conftest import Cli, commit_all, report


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """A template repository beside the project, tagged v1.0.0 and v2.0.0."""
    root = build_tree(
        tmp_path / "org",
        {
            "copier.yml": "x:\n  type: str\n  default: a\n",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
            "README.md": "v1\n",
        },
    )
    git(root, "init", "--quiet")
    for tag in ("v1.0.0", "v2.0.0"):
        (root / "README.md").write_text(f"{tag}\n")
        git(root, "add", "--all")
        git(root, "commit", "--quiet", "-m", tag)
        git(root, "tag", tag)
    return root


def test_a_relative_src_path_is_read_from_the_project_not_the_caller(
    cli: Cli, org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(str(org), "../org"))
    commit_all(project, "the template beside the project")
    elsewhere = tmp_path / "elsewhere" / "deeper"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    diff = cli("diff", str(project), "--exit-code")
    assert diff.exit_code == 0, diff.output
    result = cli("update", str(project), "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (project / "README.md").read_text() == "v2.0.0\n"
    text = answers.read_text()
    assert "_src_path: ../org\n" in text
    assert "_commit: v2.0.0\n" in text
    commit_all(project, "update")
    assert cli("diff", str(project), "--exit-code").exit_code == 0


def test_fleet_update_reads_a_relative_src_path_beside_the_checkout_not_its_worktree(
    cli: Cli, org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    monkeypatch.chdir(fleet)
    made = cli("p", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = fleet / "p"
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(str(org), "../../org"))
    commit_all(project, "the template two folders up")
    monkeypatch.chdir(tmp_path)
    result = cli("fleet", "update", str(fleet), "--format", "json")
    assert result.exit_code == 0, result.output
    (outcome,) = report(result)["repos"]
    assert outcome["status"] == "updated", outcome
    branch = outcome["branch"]
    assert git(project, "show", f"{branch}:README.md") == "v2.0.0"
    assert "_src_path: ../../org" in git(project, "show", f"{branch}:.copier-answers.yml")
