"""Hermetic test environment: every test gets its own HOME, git config and store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import gitlab_api as gitlab_api_stand_in
from tests.support.isolation import isolate


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME with a git identity, no system git config, no copier settings."""
    return isolate(monkeypatch, tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="session")
def fake_release_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A source checkout with a tiny template released as 0.1.0 and 0.2.0."""
    from tests.support.helpers import fake_checkout

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
    """A stand-in for GitLab's merge-request API (tests/support/gitlab_api.py): its URL."""
    yield from gitlab_api_stand_in.serve()
