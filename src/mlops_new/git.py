"""The one door to git: a hardened subprocess runner (no git library, no copier).

Every git process mlops-new starts goes through :func:`run`.  Repositories and
templates are other people's data, so nothing configured in them may run code:
hooks, fsmonitor, pagers, editors, credential helpers, ssh commands and exotic
transports are switched off on the command line (which wins over every config
file), and callers put ``--`` before paths and sources.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from mlops_new.errors import MissingToolError, MlopsNewError

FALLBACK_NAME = "mlops-new"
FALLBACK_EMAIL = "mlops-new@users.noreply.localhost"

HARDENING: tuple[str, ...] = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "core.pager=cat",
    "-c", "core.editor=true",
    "-c", "core.askPass=",
    "-c", "core.sshCommand=ssh",
    "-c", "credential.helper=",
    "-c", "diff.external=",
    "-c", "protocol.allow=never",
    "-c", "protocol.file.allow=always",
    "-c", "protocol.https.allow=always",
    "-c", "protocol.ssh.allow=always",
    "-c", "protocol.git.allow=always",
    "-c", "commit.gpgSign=false",
    "-c", "tag.gpgSign=false",
    "-c", "safe.bareRepository=all",
)  # fmt: skip
"""``-c`` options given to every git call: nothing in a repository's config runs."""

_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "true",
    "SSH_ASKPASS": "true",
    "GIT_EXTERNAL_DIFF": "",
    "GIT_PAGER": "cat",
    "GIT_EDITOR": "true",
    "LC_ALL": "C",
}


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


def run(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    check: bool = True,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run hardened ``git *args`` in ``cwd``; the completed process (bytes).

    With ``check`` a non-zero exit raises :class:`GitError` naming the command.
    """
    proc = subprocess.run(
        [require_git(), *HARDENING, *args],
        cwd=cwd,
        env={**os.environ, **_ENV, **(env or {})},
        capture_output=True,
        input=input,
        check=False,
    )
    if check and proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {stderr}")
    return proc


def git(
    *args: str, cwd: Path, env: dict[str, str] | None = None, check: bool = True, strip: bool = True
) -> str:
    """Run ``git *args`` in ``cwd`` and return its stdout (stripped unless ``strip=False``)."""
    out = run(*args, cwd=cwd, env=env, check=check).stdout.decode("utf-8", "surrogateescape")
    return out.strip() if strip else out


def identity(cwd: Path) -> tuple[str, str] | None:
    """The configured ``user.name`` and ``user.email``, or ``None`` if either is missing."""
    out = git("config", "--get-regexp", r"^user\.(name|email)$", cwd=cwd, check=False)
    found = dict(line.partition(" ")[::2] for line in out.splitlines())
    name, email = found.get("user.name", "").strip(), found.get("user.email", "").strip()
    if name and email:
        return name, email
    return None


def commit_env(who: tuple[str, str] | None) -> dict[str, str]:
    """Author and committer variables for ``who`` (the fallback identity without one)."""
    name, email = who or (FALLBACK_NAME, FALLBACK_EMAIL)
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def init_and_commit(path: Path, message: str, who: tuple[str, str] | None) -> tuple[str, bool]:
    """``git init`` ``path`` on branch main and commit everything in it as ``who``.

    ``who`` is the user's git identity (see :func:`identity`); without one, a
    fallback identity is used. Returns the commit id and whether it was.
    """
    git("init", "--quiet", "--initial-branch=main", "--", str(path), cwd=path.parent)
    git("add", "--all", cwd=path)
    git("commit", "--quiet", "--no-verify", "-m", message, cwd=path, env=commit_env(who))
    return git("rev-parse", "HEAD", cwd=path), who is None


def uncommitted(path: Path) -> list[str]:
    """Paths under ``path`` with staged, unstaged or untracked (not ignored) changes.

    The one definition of "has uncommitted changes" (paths relative to ``path``).
    """
    out = run(
        "status", "--porcelain=v1", "-z", "--untracked-files=normal", "--", ".", cwd=path
    ).stdout.decode("utf-8", "surrogateescape")
    entries = out.split("\0")
    names: list[str] = []
    skip_next = False
    for entry in entries:
        if skip_next or not entry:
            skip_next = False
            continue
        code, name = entry[:2], entry[3:]
        skip_next = code[0] in "RC"  # a rename's original path follows
        names.append(name)
    return names
