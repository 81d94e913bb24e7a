"""Answers that change what exists (issue #20): ``-d serving=none`` and a hand-edited answer.

The result equals a fresh render with the new answers, apart from the team's edits: a file the
new answers remove goes if unedited, and stays as a modify/delete conflict if edited; the report
names the files that stopped following the template.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mlops_new.cli._errors import ExitCode
from tests.support.helpers import ANSWERS_TEMPLATE, git, release_trees
from tests.update.conftest import Cli, commit_all, files_of, report

COPIER = """\
_subdirectory: project
project_name:
  type: str
  default: my-project
serving:
  type: str
  choices: [fastapi, none]
  default: fastapi
docker:
  type: bool
  default: "{{ serving == 'fastapi' }}"
  when: "{{ serving == 'fastapi' }}"
"""
S1 = {
    "copier.yml": COPIER,
    "project/{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE,
    "project/README.md.jinja": "# {{ project_name }}\n",
    "project/{% if serving != 'none' %}serve.py{% endif %}": "serve()\n",
    "project/{% if docker %}Dockerfile{% endif %}": "FROM python:3.11\n",
    "project/{% if docker %}compose.yaml{% endif %}": "services: {}\n",
}
S2 = {**S1, "project/{% if docker %}Dockerfile{% endif %}": "FROM python:3.12\n"}
MakeProject = Callable[..., Path]


@pytest.fixture(scope="module")
def update_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Overrides the package's template: a ``docker`` question asked only with serving."""
    return release_trees(tmp_path_factory.mktemp("answers"), [("0.1.0", S1), ("0.2.0", S2)])


def _answers(project: Path) -> dict[str, object]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _same_as_fresh(project: Path, fresh: Path) -> None:
    ours, theirs = files_of(project), files_of(fresh)
    assert ours == theirs


TEAM_DOCKERFILE = "FROM python:3.11\nRUN team-step\n"


def _team_dockerfile(project: Path) -> None:
    """The team's own Dockerfile, committed."""
    (project / "Dockerfile").write_text(TEAM_DOCKERFILE)
    commit_all(project, "team step")


def _no_docker_by_hand(project: Path) -> None:
    """``docker: false`` edited into the answers file by hand, and committed alone."""
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("docker: true", "docker: false"))
    commit_all(project, "no docker, by hand")


def test_d_serving_none_equals_a_fresh_serving_none_project(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    assert (project / "Dockerfile").is_file()
    result = cli("update", str(project), "-d", "serving=none", "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = report(result)
    assert sorted(payload["removed"]) == ["Dockerfile", "compose.yaml", "serve.py"]
    assert "docker" not in _answers(project)
    commit_all(project, "no serving")
    fresh = make_project("0.2.0", "fresh", "-d", "project_name=proj", "-d", "serving=none")
    _same_as_fresh(project, fresh)
    assert cli("diff", str(project), "--exit-code").exit_code == 0


def test_d_serving_none_keeps_an_edited_dockerfile_as_a_conflict_and_says_so(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    _team_dockerfile(project)
    result = cli("update", str(project), "-d", "serving=none", "--defaults", "--format", "json")
    assert result.exit_code == ExitCode.CONFLICTS, result.output
    payload = report(result)
    assert payload["removed_modified"] == ["Dockerfile"]
    assert sorted(payload["removed"]) == ["compose.yaml", "serve.py"]
    assert (project / "Dockerfile").read_text() == TEAM_DOCKERFILE


def test_a_hand_edited_answer_is_applied_like_d_and_reported(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    _no_docker_by_hand(project)
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = report(result)
    assert sorted(payload["removed"]) == ["Dockerfile", "compose.yaml"]
    notes = " ".join(payload["warnings"])
    assert "edited by hand" in notes, notes
    assert "docker: True -> False" in notes
    assert "stop following the template with the new answers: Dockerfile, compose.yaml" in notes
    commit_all(project, "update")
    fresh = make_project("0.2.0", "fresh", "-d", "project_name=proj", "-d", "docker=false")
    _same_as_fresh(project, fresh)


def test_an_answers_edit_in_a_commit_that_changes_other_files_is_not_taken_as_by_hand(
    cli: Cli, make_project: MakeProject
) -> None:
    """An update with ``-d`` commits the answers with the files they change: its answers are
    the ones the files were rendered with (a kept Dockerfile is the team's own, no conflict)."""
    project = make_project("0.1.0")
    _team_dockerfile(project)
    assert (
        cli("update", str(project), "--to", "0.1.0", "-d", "docker=false", "--defaults").exit_code
        == ExitCode.CONFLICTS
    )
    commit_all(project, "kept the Dockerfile")
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)["warnings"] == []
    assert (project / "Dockerfile").read_text() == TEAM_DOCKERFILE


def test_a_hand_edited_answer_keeps_an_edited_file_as_a_conflict(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    _team_dockerfile(project)
    _no_docker_by_hand(project)
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code == ExitCode.CONFLICTS, result.output
    payload = report(result)
    assert payload["removed_modified"] == ["Dockerfile"]
    assert payload["removed"] == ["compose.yaml"]
    assert git(project, "diff", "--name-only", "--diff-filter=U") == "Dockerfile"


def test_a_hand_edited_answer_applies_on_the_same_version_too(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.2.0")
    _no_docker_by_hand(project)
    result = cli("update", str(project), "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    assert sorted(report(result)["removed"]) == ["Dockerfile", "compose.yaml"]
    commit_all(project, "update")
    again = cli("update", str(project), "--defaults", "--format", "json")
    assert again.exit_code == 0, again.output
    assert report(again)["up_to_date"] is True
    assert report(again)["warnings"] == []


def test_a_hand_edit_applied_and_committed_is_not_applied_again(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.2.0")
    (project / "Dockerfile").write_text("FROM python:3.12\nRUN team-step\n")
    commit_all(project, "team step")
    _no_docker_by_hand(project)
    first = cli("update", str(project), "--defaults")
    assert first.exit_code == ExitCode.CONFLICTS, first.output
    commit_all(project, "keep our Dockerfile")  # resolves the modify/delete conflict
    again = cli("update", str(project), "--defaults", "--format", "json")
    assert again.exit_code == 0, again.output
    assert report(again)["up_to_date"] is True
    assert (project / "Dockerfile").read_text() == "FROM python:3.12\nRUN team-step\n"


def test_an_answer_to_a_question_not_asked_never_poisons_the_render_cache(
    cli: Cli, make_project: MakeProject
) -> None:
    """Created with ``docker=true`` although ``serving=none`` does not ask it: copier used the
    answer but did not record it, so the render must not be cached under the recorded ones."""
    project = make_project("0.2.0", "proj", "-d", "serving=none", "-d", "docker=true")
    assert "docker" not in _answers(project)
    result = cli("diff", str(project), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "Dockerfile" in report(result)["added"]  # not the template's, by the recorded answers
