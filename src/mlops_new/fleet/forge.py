"""Pushing to a forge on the user's behalf: nothing of the repository's config takes part.

A repository's config can name a signing program (``gpg.program`` through
``push.gpgSign``), write files (``http.cookieFile``), send the push elsewhere
or with more (``url.*.insteadOf``, ``http.proxy``, ``http.extraHeader``) or
run a credential helper.  :func:`push` therefore runs ``git push`` in a
scratch bare repository of ours that borrows the objects, at
``git.Trust.FORGE``: the user's own (system, global) config applies, the
repository's never does.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from mlops_new.core.git import Trust, git, run

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[^/:]+:")
"""A URL (``https://``, ``ssh://``...) or scp-like ``host:path``; else a local path."""


def remote_url(repo: Path, remote: str) -> str | None:
    """``remote``'s push URL as ``repo``'s config writes it (no ``insteadOf`` rewriting).

    A relative local path is made absolute (against the repository's top
    folder); a value that would read as an option is refused (``None``).
    """
    url = ""
    for key in (f"remote.{remote}.pushurl", f"remote.{remote}.url"):
        url = git("config", "--get", "--", key, cwd=repo, check=False)
        if url:
            break
    if not url or url.startswith("-") or "\n" in url:
        return None
    if _URL.match(url) or Path(url).is_absolute():
        return url
    return str((Path(git("rev-parse", "--show-toplevel", cwd=repo)) / url).resolve())


def push(repo: Path, remote: str, branch: str) -> bool:
    """Push ``branch`` of ``repo`` to ``remote``, reading nothing of ``repo``'s config.

    The push runs in a scratch bare repository that borrows ``repo``'s objects
    (``objects/info/alternates``): none of ``repo``'s config (``gpg.*``,
    ``http.*``, ``credential.*``, ``url.*.insteadOf``, ``remote.*.receivepack``,
    ``push.*``, includes) reaches the push; the user's own (system, global)
    credentials and ssh settings do. Then ``repo`` records the remote branch and
    tracks it, as ``push --set-upstream`` would. Whether the push landed.
    """
    url = remote_url(repo, remote)
    sha = git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", cwd=repo, check=False)
    if url is None or not sha:
        return False
    common = git("rev-parse", "--path-format=absolute", "--git-common-dir", cwd=repo)
    with tempfile.TemporaryDirectory(prefix="mlops-new-push-") as tmp:
        scratch = Path(tmp) / "push.git"
        run("init", "--quiet", "--bare", "--", str(scratch), cwd=Path(tmp), trust=Trust.FORGE)
        (scratch / "objects" / "info" / "alternates").write_text(
            f"{Path(common) / 'objects'}\n", encoding="utf-8"
        )
        pushed = run(
            "push", "--quiet", "--", url, f"{sha}:refs/heads/{branch}",
            cwd=scratch, check=False, trust=Trust.FORGE,
        )  # fmt: skip
    if pushed.returncode != 0:
        return False
    git("update-ref", "--", f"refs/remotes/{remote}/{branch}", sha, cwd=repo)
    git("branch", "--quiet", f"--set-upstream-to={remote}/{branch}", branch, cwd=repo, check=False)
    return True
