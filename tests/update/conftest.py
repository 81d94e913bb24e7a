"""A bundled template with three versions that exercise every kind of template change."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from mlops_new.templates import store
from tests.support.cli import Invoke, run_cli
from tests.support.helpers import ANSWERS_TEMPLATE, git, release_trees

COPIER_V1 = """\
_subdirectory: project
project_name:
  type: str
  default: my-project
component:
  type: str
  choices: [none, api]
  default: none
"""
CONFIG_V1 = "alpha=1\nbeta=2\ngamma=3\ndelta=4\nepsilon=5\n"
CONFIG_V2 = "alpha=10\nbeta=2\ngamma=3\ndelta=4\nepsilon=5\n"
README_V1 = "# {{ project_name }}\n\nIntro.\n\nUsage.\n\nMore.\n\nEnd.\n"
README_V2 = "# {{ project_name }}\n\nIntro, version 2.\n\nUsage.\n\nMore.\n\nEnd.\n"

V1 = {
    "copier.yml": COPIER_V1,
    "project/{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE,
    "project/README.md.jinja": README_V1,
    "project/config.txt": CONFIG_V1,
    "project/legacy.txt": "old\n",
    "project/run.sh": "#!/bin/sh\necho run\n",
    "project/{% if component == 'api' %}api.py{% endif %}.jinja": "print('api')\n",
}
V2 = {
    **{k: v for k, v in V1.items() if k != "project/legacy.txt"},
    "copier.yml": COPIER_V1 + "license:\n  type: str\n  default: MIT\n",
    "project/README.md.jinja": README_V2,
    "project/config.txt": CONFIG_V2,
    "project/NEWS.md": "Template news.\n",
    "project/LICENSE.jinja": "{{ license }}\n",
    "project/run.sh*": "#!/bin/sh\necho run\n",
}
del V2["project/run.sh"]
V3 = {
    **V2,
    "copier.yml": V2["copier.yml"] + "team:\n  type: str\n  help: Owning team.\n",
    "project/TEAM.jinja": "{{ team }}\n",
}


@pytest.fixture(scope="session")
def update_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release_trees(
        tmp_path_factory.mktemp("update-checkout"),
        [("0.1.0", V1), ("0.2.0", V2), ("0.3.0", V3)],
    )


@pytest.fixture(autouse=True)
def update_bundle(update_checkout: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bundle = update_checkout / "src" / "mlops_new" / "_template"
    monkeypatch.setattr(store, "bundle_dir", lambda: bundle)
    return bundle


Cli = Invoke


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    return run_cli


@pytest.fixture
def make_project(cli: Cli, tmp_path: Path) -> Callable[..., Path]:
    def make(version: str = "0.1.0", name: str = "proj", *extra: str) -> Path:
        result = cli(name, "--ref", version, "--defaults", "--no-lock", *extra)
        assert result.exit_code == 0, result.output
        return tmp_path / name

    return make


def commit_all(project: Path, message: str = "team edit") -> None:
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", message)


def report(result: Result) -> dict[str, Any]:
    document = json.loads(result.stdout)
    payload = document["result"]
    assert isinstance(payload, dict)
    return payload


def files_of(project: Path) -> dict[str, bytes]:
    """Every file under ``project`` outside ``.git`` (symlinks not followed), with its bytes."""
    return {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and not p.is_symlink() and ".git" not in p.relative_to(project).parts
    }
