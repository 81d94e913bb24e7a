"""The generated CI workflows and Dockerfile pass their real linters with zero findings."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.helpers import lint_clean, tool

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _workflows(project: Path) -> list[str]:
    return sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))


def test_hadolint_finds_nothing(default_project: Path) -> None:
    lint_clean([tool("hadolint"), "--failure-threshold", "style", "Dockerfile"], default_project)


# auditor: pedantic's findings and more (secrets-outside-env among them).
@pytest.mark.parametrize("persona", ["pedantic", "auditor"])
def test_zizmor_finds_nothing(default_project: Path, persona: str) -> None:
    """The workflows, dependabot.yml and .pre-commit-config.yaml: every input zizmor reads."""
    lint_clean(
        [tool("zizmor"), "--offline", "--no-config", "--persona", persona, "--collect=all", "."],
        default_project,
    )


def test_actionlint_finds_nothing(default_project: Path) -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None and os.environ.get("CI") == "true":
        pytest.fail("CI must lint the workflows' scripts: apt-get install shellcheck")
    args = [tool("actionlint"), f"-shellcheck={shellcheck or ''}"]
    lint_clean([*args, *_workflows(default_project)], default_project)


def test_workflows_match_the_github_schema(default_project: Path) -> None:
    lint_clean(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *_workflows(default_project),
        ],
        default_project,
    )


def test_dependabot_matches_its_schema(default_project: Path) -> None:
    lint_clean(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.dependabot",
            ".github/dependabot.yml",
        ],
        default_project,
    )
