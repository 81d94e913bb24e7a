"""The real bundle: an answer that removes a feature gives what a fresh project with it has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_new.cli import app, route
from tests.core.test_bundled_updates import _files


def test_d_serving_none_equals_a_fresh_serving_none_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    made = runner.invoke(app, route(["old", "--defaults", "--no-lock"]))
    assert made.exit_code == 0, made.output
    assert (tmp_path / "old" / "Dockerfile").is_file()
    result = runner.invoke(
        app, ["update", "old", "-d", "serving=none", "--defaults", "--no-lock", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)["result"]
    assert {"Dockerfile", "compose.yaml"} <= set(payload["removed"])
    assert any("stop following the template" in note for note in payload["warnings"])
    fresh = runner.invoke(
        app,
        route(["new", "--defaults", "--no-lock", "-d", "project_name=old", "-d", "serving=none"]),
    )
    assert fresh.exit_code == 0, fresh.output
    assert _files(tmp_path / "old") == _files(tmp_path / "new")
