"""The real bundle: published versions are immutable, and every older one updates cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_new import template_store
from mlops_new.cli import app, route

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "published-template-versions.json"
OLDER = [entry.version for entry in template_store.manifest()[:-1]]


def test_published_versions_are_still_shipped_unchanged() -> None:
    shipped = {entry.version: entry for entry in template_store.manifest()}
    for published in json.loads(PUBLISHED.read_text(encoding="utf-8"))["versions"]:
        entry = shipped.get(published["version"])
        assert entry is not None, f"published template v{published['version']} was removed"
        assert (entry.commit, entry.tree) == (published["commit"], published["tree"])


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file()
        and ".git" not in p.relative_to(root).parts
        and p.name != ".copier-answers.yml"
    }


@pytest.mark.parametrize("version", OLDER)
def test_an_unedited_project_updates_to_a_fresh_render_of_the_newest(
    version: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    made = runner.invoke(app, route(["old", "--ref", version, "--defaults", "--no-lock"]))
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["update", "old", "--defaults", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)["result"]
    assert payload["conflicts"] == []
    assert payload["to_version"] == template_store.latest().version
    fresh = runner.invoke(app, route(["new", "--defaults", "--no-lock", "-d", "project_name=old"]))
    assert fresh.exit_code == 0, fresh.output
    assert _files(tmp_path / "old") == _files(tmp_path / "new")
