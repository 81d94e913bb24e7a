"""Where the ecosystem's tools keep their configuration: a standard is met by any of them.

"A linter is configured" means ruff, flake8 or pylint, configured in any of
the places those tools read (pyproject.toml, their own files, setup.cfg,
tox.ini), or run by git hooks or CI.  Tool config files count in any folder
of the repository that is not a test fixture (some projects keep them under
``config/`` and pass them explicitly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlops_new.standards.inputs import Repo, is_fixture
from mlops_new.standards.runners import runs

HOOK_CONFIGS = (
    ".pre-commit-config.yaml", ".pre-commit-config.yml", "lefthook.yml", "lefthook.yaml",
    ".lefthook.yml", ".lefthook.yaml", "lefthook.toml", ".lefthook.toml", "lefthook.json",
)  # fmt: skip


@dataclass(frozen=True)
class Tool:
    """One tool and the places its configuration can live."""

    name: str
    tables: tuple[str, ...] = ()
    """``[tool.X]`` tables of pyproject.toml."""
    files: tuple[str, ...] = ()
    """Its own config files (basenames)."""
    sections: tuple[str, ...] = ()
    """Sections of setup.cfg / tox.ini."""
    words: tuple[str, ...] = ()
    """How git hooks and CI commands name it."""


LINTERS = (
    Tool("ruff", ("ruff",), ("ruff.toml", ".ruff.toml"), (), ("ruff", "ruff-check")),
    Tool("flake8", ("flake8",), (".flake8",), ("flake8",), ("flake8",)),
    Tool("pylint", ("pylint",), (".pylintrc", "pylintrc"), ("pylint", "MASTER"), ("pylint",)),
)
TYPE_CHECKERS = (
    Tool("mypy", ("mypy",), ("mypy.ini", ".mypy.ini"), ("mypy",), ("mypy", "mirrors-mypy")),
    Tool("pyright", ("pyright", "basedpyright"), ("pyrightconfig.json",), (),
         ("pyright", "basedpyright")),
    Tool("ty", ("ty",), ("ty.toml",), (), ("ty check",)),
    Tool("pyrefly", ("pyrefly",), ("pyrefly.toml",), (), ("pyrefly",)),
)  # fmt: skip


def configured(repo: Repo, tools: tuple[Tool, ...]) -> str:
    """The file that configures or runs one of ``tools`` (``""`` when none does)."""
    if found := next((f for tool in tools if (f := _config_file(repo, tool))), ""):
        return found
    if found := _declared(repo, tools):
        return found
    words = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(w) for t in tools for w in t.words) + r")(?![\w-])"
    )
    hooks = repo.has_up(*HOOK_CONFIGS)
    if hooks and words.search(repo.text(hooks) or ""):
        return hooks
    if runs(repo, repo.ci_commands, words):
        return repo.ci_files[0] if repo.ci_files else ""
    return ""


def _config_file(repo: Repo, tool: Tool) -> str:
    if any(repo.tool(table) is not None for table in tool.tables):
        return repo.pyproject_name
    for basename in tool.files:
        for name in repo.by_basename.get(basename, []):
            if not is_fixture(name):
                return name
    for ini in ("setup.cfg", "tox.ini"):
        if any(s in repo.ini_sections(ini) for s in tool.sections):
            return ini
    return ""


def _declared(repo: Repo, tools: tuple[Tool, ...]) -> str:
    """A tool declared as a (development) dependency: installed to be run, with its defaults."""
    names = {tool.name for tool in tools} | {t for tool in tools for t in tool.tables}
    return repo.pyproject_name if names & repo.dependencies else ""
