"""A fresh project's answers file resolves on any machine, and copier can re-render it."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import copier
import pytest
import yaml

from mlops_new.templates import store
from tests.support.cli import run_cli


def _create(parent: Path) -> Path:
    result = run_cli("portable", "-o", str(parent), "--defaults", "--no-lock", "--format", "json")
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["result"]["path"])


def _all_files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_answers_hold_no_machine_path(tmp_path: Path, isolated_env: Path) -> None:
    project = _create(tmp_path)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "~/.mlops-new/template"
    assert answers["_commit"] == f"v{store.latest().version}"
    text = (project / ".copier-answers.yml").read_text()
    machine_paths = (str(tmp_path), str(isolated_env), "/tmp/", "/home/", "/root/")  # noqa: S108
    for machine_path in machine_paths:
        assert machine_path not in text


def test_copier_rerenders_the_exact_version_on_another_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _create(tmp_path / "first-machine")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    # Another machine: another HOME, whose store mlops-new materialises from the package.
    other_home = tmp_path / "other-home"
    other_home.mkdir()
    monkeypatch.setenv("HOME", str(other_home))
    store.ensure_store()
    copy = tmp_path / "second-machine" / "portable"
    copier.run_copy(
        answers["_src_path"],
        copy,
        data={k: v for k, v in answers.items() if not k.startswith("_")},
        vcs_ref=answers["_commit"],
        settings=copier.Settings(),
        defaults=True,
        quiet=True,
    )
    assert _all_files(copy) == _all_files(project)
    mismatch = filecmp.cmpfiles(project, copy, sorted(_all_files(project)), shallow=False)[1]
    assert mismatch == []
