"""``[tool.mlops-new]``: one reader, and ``exclude`` globs with ``.gitignore``'s meaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_new.project import pyproject
from mlops_new.project.pyproject import ProjectSettings


@pytest.mark.parametrize(
    ("pattern", "path", "excluded"),
    [
        ("*.md", "README.md", True),
        ("*.md", "docs/guide/index.md", True),  # once: only top-level files
        ("*.md", "README.mdx", False),
        ("docs/", "docs/index.md", True),
        ("docs/", "src/docs/x.py", True),  # no inner slash: at any depth, as in git
        ("/docs", "src/docs/x.py", False),
        ("src/**", "src/pkg/mod.py", True),
        ("src/*.py", "src/pkg/mod.py", False),
        ("src/*.py", "src/mod.py", True),
        ("**/conftest.py", "conftest.py", True),
        ("**/conftest.py", "tests/unit/conftest.py", True),
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
        ("", "anything", False),
    ],
)
def test_exclude_globs_mean_what_gitignore_means(pattern: str, path: str, excluded: bool) -> None:
    assert ProjectSettings(exclude=(pattern,)).excludes(path) is excluded


def test_the_table_is_read_once_for_update_and_check(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mlops-new]\nexclude = ["docs/", 3]\n[tool.mlops-new.ignore]\nCI004 = "mirror"\n',
        encoding="utf-8",
    )
    settings = pyproject.load(tmp_path)
    assert settings.exclude == ("docs/",)
    assert settings.ignore == {"CI004": "mirror"}


@pytest.mark.parametrize(
    "text",
    [
        "[tool.mlops-new\n",
        "tool = 3\n",
        "[tool]\nmlops-new = 1\n",
        "x = " + "[" * 5000 + "]" * 5000,
    ],
)
def test_a_broken_or_odd_pyproject_has_no_settings(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    assert pyproject.load(tmp_path) == ProjectSettings()
