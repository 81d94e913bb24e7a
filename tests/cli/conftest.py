from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Invoke, run_cli

__all__ = ["Invoke"]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the CLI as `mlops-new ARGS` would, in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    return run_cli
