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


def git(
    *args: str, cwd: Path, env: dict[str, str] | None = None, check: bool = True, strip: bool = True
) -> str:
    """Run ``git *args`` in ``cwd`` and return its stdout (stripped unless ``strip=False``)."""
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
    return proc.stdout.strip() if strip else proc.stdout


def identity(cwd: Path) -> tuple[str, str] | None:
    """The configured ``user.name`` and ``user.email``, or ``None`` if either is missing."""
    out = git("config", "--get-regexp", r"^user\.(name|email)$", cwd=cwd, check=False)
    found = dict(line.partition(" ")[::2] for line in out.splitlines())
    name, email = found.get("user.name", "").strip(), found.get("user.email", "").strip()
    if name and email:
        return name, email
    return None


def init_and_commit(path: Path, message: str, who: tuple[str, str] | None) -> tuple[str, bool]:
    """``git init`` ``path`` on branch main and commit everything in it as ``who``.

    ``who`` is the user's git identity (see :func:`identity`); without one, a
    fallback identity is used. Returns the commit id and whether it was.
    """
    git("init", "--quiet", "--initial-branch=main", str(path), cwd=path.parent)
    git("add", "--all", cwd=path)
    name, email = who or (FALLBACK_NAME, FALLBACK_EMAIL)
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    git("commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message, cwd=path, env=env)
    return git("rev-parse", "HEAD", cwd=path), who is None
