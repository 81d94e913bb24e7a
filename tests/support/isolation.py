"""The one isolation routine: a HOME of its own, no system git config, shared package caches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Read before any test isolates HOME: generated projects reuse the real uv cache,
# so `uv sync` downloads each wheel once per machine, not once per test.
REAL_UV_CACHE = os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv")
REAL_TEST_CACHE = os.environ.get("MLOPS_NEW_TEST_CACHE") or str(
    Path.home() / ".cache" / "mlops-new-tests"
)
_DROPPED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "VIRTUAL_ENV", "MLFLOW_TRACKING_URI")


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    """Make ``home`` the HOME: a git identity, no system git config, no copier settings."""
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("UV_CACHE_DIR", REAL_UV_CACHE)
    monkeypatch.setenv("MLOPS_NEW_TEST_CACHE", REAL_TEST_CACHE)
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(home / "no-copier-settings.yml"))
    for var in _DROPPED:
        monkeypatch.delenv(var, raising=False)
    return home


@contextmanager
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A HOME of its own for a module- or session-scoped fixture while it builds (the
    autouse ``isolated_env`` covers tests only); the environment is restored on exit."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield isolate(monkeypatch, tmp_path_factory.mktemp("home"))
