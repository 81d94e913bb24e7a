"""Hermetic test environment: every test gets its own HOME, git config and store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import gitlab_api as gitlab_api_stand_in

# Read before any test isolates HOME: generated projects reuse the real uv cache,
# so `uv sync` downloads each wheel once per machine, not once per test.
_REAL_UV_CACHE = os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv")
_REAL_TEST_CACHE = os.environ.get("MLOPS_NEW_TEST_CACHE") or str(
    Path.home() / ".cache" / "mlops-new-tests"
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME with a git identity, no system git config, no copier settings."""
    home = tmp_path_factory.mktemp("home")
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
    monkeypatch.setenv("UV_CACHE_DIR", _REAL_UV_CACHE)
    monkeypatch.setenv("MLOPS_NEW_TEST_CACHE", _REAL_TEST_CACHE)
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(home / "no-copier-settings.yml"))
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "VIRTUAL_ENV", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def fake_release_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A source checkout with a tiny template released as 0.1.0 and 0.2.0."""
    from tests.helpers import fake_checkout

    return fake_checkout(
        tmp_path_factory.mktemp("checkout"), [("0.1.0", "first"), ("0.2.0", "second")]
    )


@pytest.fixture
def tiny_bundle(fake_release_checkout: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make mlops-new ship the tiny template's bundle instead of the real one."""
    from mlops_new.templates import store

    bundle = fake_release_checkout / "src" / "mlops_new" / "_template"
    monkeypatch.setattr(store, "bundle_dir", lambda: bundle)
    return bundle


@pytest.fixture
def gitlab_api() -> Iterator[str]:
    """A stand-in for GitLab's merge-request API (tests/gitlab_api.py): its URL."""
    yield from gitlab_api_stand_in.serve()
