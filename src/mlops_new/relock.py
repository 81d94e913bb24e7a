"""Refresh a project's ``uv.lock`` after an update changed its ``pyproject.toml``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def uv_lock(project: Path) -> str | None:
    """Run ``uv lock`` in ``project``; ``None`` on success, else a warning saying what to do."""
    uv = find_uv()
    if uv is None:
        return "uv.lock not refreshed: uv is not installed; run `uv lock` and commit uv.lock."
    proc = subprocess.run(
        [uv, "lock", "--quiet", "--no-progress"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        return f"uv lock failed ({reason}); run `uv lock` in the project and commit uv.lock."
    return None


def find_uv() -> str | None:
    """``uv`` on PATH, else the binary of the ``uv`` wheel (a dependency of mlops-new)."""
    found = shutil.which("uv")
    if found:
        return found
    try:
        import uv  # noqa: PLC0415  (optional: the uv wheel ships its binary)
    except ImportError:
        return None
    return str(uv.find_uv_bin())
