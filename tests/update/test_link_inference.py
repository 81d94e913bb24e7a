"""`link` records what the repository is, takes -d for the rest, and keeps locked answers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mlops_new.cli._errors import ExitCode
from mlops_new.ops.link import infer_answers
from tests.support.helpers import build_tree, git
from tests.update.conftest import Cli, commit_all

MIT = "MIT License\n\nPermission is hereby granted, free of charge, to any person\n"


def _repo(root: Path, files: dict[str, str]) -> Path:
    build_tree(root, files)
    git(root, "init", "--quiet")
    commit_all(root, "our history")
    return root


def test_infers_package_licence_ci_tracking_and_docker(tmp_path: Path) -> None:
    repo = build_tree(
        tmp_path / "folder-name",
        {
            "pyproject.toml": '[project]\nname = "churn-model"\ndescription = "Churn."\n'
            'dependencies = ["mlflow>=2", "fastapi"]\n',
            "src/churn_model/__init__.py": "",
            ".gitlab-ci.yml": "test:\n  script: [pytest]\n",
            "Dockerfile": "FROM python:3.12-slim\n",
            "LICENSE": MIT,
        },
    )
    assert infer_answers(repo) == {
        "project_name": "churn-model",
        "package_name": "churn_model",
        "description": "Churn.",
        "license": "MIT",
        "ci": "gitlab",
        "tracking": "mlflow",
        "serving": "fastapi",
        "docker": True,
    }


@pytest.mark.parametrize(
    ("files", "tracking", "serving"),
    [
        # Dependencies as check reads them: groups, Poetry and requirements files count...
        ({"pyproject.toml": '[dependency-groups]\ntrain = ["dvclive"]\n'}, "dvclive", "none"),
        (
            {"pyproject.toml": '[tool.poetry.dependencies]\nmlflow = "^2"\nfastapi = "*"\n'},
            "mlflow",
            "fastapi",
        ),
        ({"requirements.txt": "# pinned\nmlflow==2.1\n-r base.txt\n"}, "mlflow", "none"),
        # ...and a name that only contains "mlflow" or "fastapi" is not them (once: it was).
        (
            {"pyproject.toml": '[project]\ndependencies = ["mlflow-export-import-x"]\n'},
            "none",
            "none",
        ),
        ({"requirements.txt": "fastapi-users-db\nnotmlflow\n"}, "none", "none"),
    ],
    ids=["pep735-group", "poetry", "requirements", "mlflow-lookalike", "substrings"],
)
def test_tracking_and_serving_come_from_the_dependencies_check_reads(
    tmp_path: Path, files: dict[str, str], tracking: str, serving: str
) -> None:
    found = infer_answers(build_tree(tmp_path / "r", files))
    assert (found["tracking"], found["serving"]) == (tracking, serving)


def test_no_licence_file_is_proprietary_and_nothing_is_guessed(tmp_path: Path) -> None:
    repo = build_tree(tmp_path / "r", {"train.py": "print(1)\n"})
    found = infer_answers(repo)
    assert found["license"] == "Proprietary"
    assert (found["ci"], found["tracking"], found["docker"]) == ("none", "none", False)
    assert "package_name" not in found
    assert "project_name" not in found


def test_link_records_inferred_answers_and_refuses_locked_ones(cli: Cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "legacy", {"pyproject.toml": '[project]\nname = "churn-model"\n'})
    settings = tmp_path / "org.toml"
    settings.write_text('[policy.locked]\nlicense = "Apache-2.0"\n', encoding="utf-8")
    refused = cli("link", str(repo), "-d", "license=MIT", "--config", str(settings))
    assert refused.exit_code == ExitCode.USER_ERROR
    assert "locks license='Apache-2.0'" in refused.output
    assert not (repo / ".copier-answers.yml").exists()
    plain = cli("link", str(repo), "--ref", "0.2.0")
    assert plain.exit_code == 0, plain.output
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["project_name"] == "churn-model"
    assert answers["license"] == "Proprietary"  # no LICENSE file: no rights granted


def test_locked_answers_win_over_what_is_inferred(cli: Cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "legacy", {"LICENSE": MIT})
    settings = tmp_path / "org.toml"
    settings.write_text('[policy.locked]\nlicense = "Apache-2.0"\n', encoding="utf-8")
    linked = cli("link", str(repo), "--ref", "0.2.0", "--config", str(settings))
    assert linked.exit_code == 0, linked.output
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["license"] == "Apache-2.0"
