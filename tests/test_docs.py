"""The user guide builds strictly and documents every option of every command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from mlops_new.cli import app
from mlops_new.cli._errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]


def test_mkdocs_builds_strictly(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "cli" / "index.html").is_file()


def _commands() -> dict[str, Any]:
    """Every command by its full name (``fleet update``), groups flattened."""
    found: dict[str, Any] = {}
    pending: list[tuple[str, Any]] = [("", typer.main.get_command(app))]
    while pending:
        prefix, group = pending.pop()
        for name, command in group.commands.items():
            full = f"{prefix}{name}"
            if hasattr(command, "commands"):
                pending.append((f"{full} ", command))
            else:
                found[full] = command
    return found


@pytest.mark.parametrize("name", sorted(_commands()))
def test_cli_reference_lists_every_option(name: str) -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"## `mlops-new {name}" in reference
    for param in _commands()[name].params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("-") and opt not in {"--help", "-h"}:
                assert f"`{opt}" in reference, f"docs/cli.md does not document {name} {opt}"


def test_exit_codes_are_documented() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {int(code)} | `{code.name}` |" in reference


def test_the_index_links_every_page_of_the_site() -> None:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    pages = {page for entry in nav for page in entry.values()} - {"index.md"}
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert sorted(page for page in pages if f"]({page})" not in index) == []


def test_the_readme_names_the_pipeline_stages_in_order() -> None:
    dvc = (ROOT / "template" / "project" / "dvc.yaml.jinja").read_text(encoding="utf-8")
    stages = re.findall(r"^  ([a-z_]+):$", dvc, flags=re.MULTILINE)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"a DVC pipeline ({' → '.join(stages)})" in readme
