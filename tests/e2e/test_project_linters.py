"""The generated CI workflows and Dockerfile pass their real linters with zero findings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is missing: install the test extra (pip install -e '.[test]')"
    return found


def _clean(argv: list[str], cwd: Path) -> None:
    proc = subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, f"{' '.join(argv)}:\n{proc.stdout}\n{proc.stderr}"


def _workflows(project: Path) -> list[str]:
    return sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))


def test_hadolint_finds_nothing(default_project: Path) -> None:
    _clean([_tool("hadolint"), "--failure-threshold", "style", "Dockerfile"], default_project)


def test_zizmor_finds_nothing(default_project: Path) -> None:
    _clean(
        [_tool("zizmor"), "--offline", "--persona", "pedantic", ".github/workflows"],
        default_project,
    )


def test_actionlint_finds_nothing(default_project: Path) -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None and os.environ.get("CI") == "true":
        pytest.fail("CI must lint the workflows' scripts: apt-get install shellcheck")
    args = [_tool("actionlint"), f"-shellcheck={shellcheck or ''}"]
    _clean([*args, *_workflows(default_project)], default_project)


def test_workflows_match_the_github_schema(default_project: Path) -> None:
    _clean(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *_workflows(default_project),
        ],
        default_project,
    )


def test_dependabot_matches_its_schema(default_project: Path) -> None:
    _clean(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.dependabot",
            ".github/dependabot.yml",
        ],
        default_project,
    )
