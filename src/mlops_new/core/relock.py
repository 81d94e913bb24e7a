"""``uv lock`` for a project: after ``create`` renders it, after ``update`` changes pyproject.toml.

Locking builds the project's own package, so it runs the template's build
backend: callers run it only for the bundled template or with ``--trust``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def uv_lock(project: Path) -> str | None:
    """Run ``uv lock`` in ``project``; ``None`` on success, else a warning saying what to do."""
    uv = find_uv()
    if uv is None:
        return "uv lock skipped: uv is not installed; run `uv lock` and commit uv.lock."
    proc = subprocess.run(
        [uv, "lock", "--quiet", "--no-progress"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return (
            f"uv lock failed: {_reason(proc.stderr)}; run `uv lock` in the project "
            "and commit uv.lock."
        )
    return None


def _reason(stderr: str) -> str:
    """uv's error and its root cause (``Failed to fetch: URL ... Connection refused``)."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    first = next((line for line in lines if line.lower().startswith("error")), lines[0])
    first = first.split(":", 1)[1].strip() if first.lower().startswith("error:") else first
    root = lines[-1].removeprefix("cause:").strip()
    return first if root in first else f"{first} ({root})"


def find_uv() -> str | None:
    """``uv`` on PATH, else the binary of the ``uv`` wheel (a dependency of mlops-new)."""
    found = shutil.which("uv")
    if found:
        return found
    try:
        import uv  # optional: the uv wheel ships its binary

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):  # no wheel, or a wheel without its binary
        return None
