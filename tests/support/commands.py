"""Running a generated project's own commands, hermetically except for the uv cache."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# Read at import, before any test isolates HOME: generated projects share the
# machine's uv cache, so `uv sync` downloads each wheel once per machine.
REAL_UV_CACHE = os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv")

# Variables of the calling environment that would leak into the project's tools.
_LEAKY = (
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PYTHONPATH",
    "PYTHONHOME",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_EXPERIMENT_NAME",
    "MODEL_PATH",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
)


class CommandFailedError(AssertionError):
    """A command in the generated project exited non-zero."""


def uv_binary() -> str:
    """The uv next to the running interpreter (the dev environment's), else on PATH."""
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        msg = "uv not found: install the dev dependencies (uv sync) or put uv on PATH."
        raise FileNotFoundError(msg)
    return found


def project_env(cwd: Path) -> dict[str, str]:
    """The environment for commands run in a generated project at ``cwd``.

    HOME (and with it git, DVC and MLflow user settings) is a fresh folder next to
    the project; only the uv cache is shared with the machine.
    """
    home = cwd.parent / "home"
    home.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key not in _LEAKY}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        UV_CACHE_DIR=REAL_UV_CACHE,
        UV_PYTHON_DOWNLOADS="never",
        DVC_NO_ANALYTICS="1",
        DVC_SITE_CACHE_DIR=str(home / "dvc-site-cache"),
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="1",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_AUTHOR_NAME="Test User",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test User",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    return env


def run(cmd: Sequence[str], cwd: Path, timeout: float = 900) -> str:
    """Run ``cmd`` in ``cwd``; return stdout, or raise with stdout and stderr."""
    proc = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=project_env(cwd),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        msg = (
            f"{' '.join(cmd)} exited {proc.returncode} in {cwd}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
        raise CommandFailedError(msg)
    return proc.stdout


def uv(*args: str, cwd: Path, timeout: float = 900) -> str:
    """Run ``uv ARGS`` in the project."""
    return run([uv_binary(), *args], cwd, timeout)


# The CPU wheel of torch the tests install: the PyTorch index (download.pytorch.org)
# cannot be reached here, and PyPI's Linux torch is the multi-gigabyte CUDA build.
TORCH_WHEELS = Path(os.environ.get("MLOPS_NEW_TORCH_WHEELS", "/opt/wheels"))
_PYTORCH_INDEX_URL = re.compile(r'^url = "https://download\.pytorch\.org/whl/[a-z0-9]+"$', re.M)


def local_torch_wheels() -> Path | None:
    """The folder holding a torch wheel for the tests, ``None`` when there is none."""
    return TORCH_WHEELS if any(TORCH_WHEELS.glob("torch-*.whl")) else None


def point_torch_at(project: Path, url: str) -> None:
    """Make every PyTorch index of the project a flat index at ``url`` (test only).

    The generated pyproject.toml takes torch from the explicit ``pytorch-cpu`` (or
    ``pytorch-cu128``) index. Tests replace those URLs by a folder (``file://``) or a
    local HTTP server holding the CPU wheel, and lock against it; the index names
    and ``[tool.uv.sources]`` stay as generated.
    """
    path = project / "pyproject.toml"
    flat = f'url = "{url}"\nformat = "flat"'
    text, count = _PYTORCH_INDEX_URL.subn(flat, path.read_text("utf-8"))
    if count == 0:
        msg = f"{path} names no PyTorch index: nothing to point at {url}"
        raise ValueError(msg)
    path.write_text(text, encoding="utf-8")
