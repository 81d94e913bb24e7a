"""Small git helpers over subprocess (no git library, no copier)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from mlops_new.errors import MissingToolError, MlopsNewError

FALLBACK_NAME = "mlops-new"
FALLBACK_EMAIL = "mlops-new@users.noreply.localhost"


class GitError(MlopsNewError):
    """A git command failed unexpectedly."""


def require_git() -> str:
    """Return the path of ``git`` or raise a user error that says how to get it."""
    path = shutil.which("git")
    if path is None:
        raise MissingToolError(
            "git is not installed or not on PATH; mlops-new needs it to version the project.",
            "Install git (https://git-scm.com/downloads) and retry.",
        )
    return path


def git(*args: str, cwd: Path, env: dict[str, str] | None = None, check: bool = True) -> str:
    """Run ``git *args`` in ``cwd`` and return its stdout (stripped)."""
    full_env = None if env is None else {**os.environ, **env}
    proc = subprocess.run(
        [require_git(), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def identity(cwd: Path) -> tuple[str, str] | None:
    """The configured ``user.name`` and ``user.email``, or ``None`` if either is missing."""
    name = git("config", "user.name", cwd=cwd, check=False)
    email = git("config", "user.email", cwd=cwd, check=False)
    if name and email:
        return name, email
    return None


def init_and_commit(path: Path, message: str) -> tuple[str, bool]:
    """``git init`` ``path`` on branch main and commit everything in it.

    Returns the commit id and whether a fallback identity had to be used
    (no ``user.name``/``user.email`` configured).
    """
    git("init", "--quiet", "--initial-branch=main", str(path), cwd=path.parent)
    git("add", "--all", cwd=path)
    env: dict[str, str] = {}
    fallback = identity(path) is None
    if fallback:
        env = {
            "GIT_AUTHOR_NAME": FALLBACK_NAME,
            "GIT_AUTHOR_EMAIL": FALLBACK_EMAIL,
            "GIT_COMMITTER_NAME": FALLBACK_NAME,
            "GIT_COMMITTER_EMAIL": FALLBACK_EMAIL,
        }
    git("commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message, cwd=path, env=env)
    return git("rev-parse", "HEAD", cwd=path), fallback
