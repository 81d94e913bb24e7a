"""The one door to git: a hardened subprocess runner (no git library, no copier).

Every git process mlops-new starts goes through :func:`run`.  Repositories and
templates are other people's data, so nothing configured in them may run code:
hooks, fsmonitor, pagers, editors, credential helpers, ssh commands and exotic
transports are switched off on the command line (which wins over every config
file), and callers put ``--`` before paths and sources.

A repository's own config can also name programs per path: filters
(``filter.<name>.clean/smudge/process``), diff drivers and textconv, merge
drivers, and a remote's upload/receive-pack.  :func:`driver_overrides` reads
those keys once per repository (its includes, conditional ones too) and
overrides each with a harmless value (or the user's own global one) through
``GIT_CONFIG_*`` variables, which win over every config file as ``-c`` does.
"""

from __future__ import annotations

import enum
import functools
import os
import re
import shutil
import stat
import subprocess
import threading
from pathlib import Path

from mlops_new.core.errors import FileSystemError, MissingToolError, MlopsNewError, UserError

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
    "-c", "protocol.allow=never",
    "-c", "protocol.file.allow=always",
    "-c", "protocol.https.allow=always",
    "-c", "protocol.ssh.allow=always",
    "-c", "protocol.git.allow=always",
    "-c", "commit.gpgSign=false",
    "-c", "tag.gpgSign=false",
    "-c", "push.gpgSign=false",
    "-c", "log.showSignature=false",
    "-c", "gpg.program=false",
    "-c", "gpg.openpgp.program=false",
    "-c", "gpg.x509.program=false",
    "-c", "gpg.ssh.program=false",
    "-c", "gpg.ssh.defaultKeyCommand=false",
    "-c", "http.cookieFile=",
    "-c", "http.saveCookies=false",
    "-c", "push.recurseSubmodules=no",
    "-c", "sequence.editor=true",
    "-c", "safe.bareRepository=all",
)  # fmt: skip
"""``-c`` options given to every git call: nothing in a repository's config runs."""

_FORGE_KEEPS = ("core.askPass", "core.sshCommand", "credential.helper")
"""Left to the user's own (system, global) config on a push to a forge: their credentials.

A push never reads the repository's config at all (see ``forge.push``), so what
is left here can only come from the user."""

_REPO_ENV = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
    "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_SHALLOW_FILE", "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS", "GIT_QUARANTINE_PATH", "GIT_CONFIG",
)  # fmt: skip
"""Set by git for its hooks: mlops-new run from a hook must still work on the folder it names."""

_RENDER_SEES = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TERM",
    "TMPDIR", "TEMP", "TMP", "SSH_AUTH_SOCK", "SYSTEMROOT", "COMSPEC",
    "http_proxy", "https_proxy", "no_proxy", "all_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_SSH", "GIT_SSH_COMMAND",
    "COPIER_SETTINGS_PATH",
})  # fmt: skip
_RENDER_SEES_PREFIXES = ("LC_", "XDG_", "GIT_CONFIG_", "MLOPS_NEW_")
"""What of the environment an untrusted render keeps: locale, paths, git's own settings.

Not tokens, CI variables or cloud credentials (``GH_TOKEN``, ``AWS_*``...)."""


class Trust(enum.Enum):
    """Whom a process works for; :func:`environment` gives each level what it may see.

    ``TRUSTED_RENDER``: a template passed with ``--trust`` (its tasks and
    extensions run): the user's environment, hardened git.
    ``UNTRUSTED_RENDER``: any other template: hardened git and only the
    variables of ``_RENDER_SEES`` (no tokens, no CI secrets).
    ``REPOSITORY``: git in someone else's repository (check, fleet, update,
    diff): hardened git, the programs its config names overridden.
    ``FORGE``: a push (and ``gh``) to a forge on the user's behalf: the user's own
    credentials and ssh settings, never anything of the repository's config.
    """

    TRUSTED_RENDER = "trusted render"
    UNTRUSTED_RENDER = "untrusted render"
    REPOSITORY = "repository"
    FORGE = "forge"


_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "true",
    "SSH_ASKPASS": "true",
    "GIT_PAGER": "cat",
    "GIT_EDITOR": "true",
    "LC_ALL": "C",
}


_UNSET_ENV = ("GIT_EXTERNAL_DIFF",)
"""Removed from every git call's environment (porcelain diffs get ``--no-ext-diff`` too)."""

_NO_EXT_DIFF = frozenset({"diff", "show", "log"})
"""Porcelain commands that would run ``diff.external`` or a driver's ``command``."""

_DRIVER_KEY = re.compile(
    r"^(?:filter\.(?P<f>.+)\.(?:clean|smudge|process|required)"
    r"|diff\.(?P<d>.+)\.(?:command|textconv)"
    r"|merge\.(?P<m>.+)\.driver"
    r"|remote\.(?P<r>.+)\.(?:uploadpack|receivepack)"
    r"|protocol\.(?P<p>.+)\.allow"
    r"|core\.gitproxy)$"
)
_DRIVER_PATTERN = r"^(filter|diff|merge|remote|protocol)\.|^core\.gitproxy$"
_SAFE_VALUES = {
    "clean": "",
    "smudge": "",
    "process": "",
    "required": "false",
    "command": "",
    "textconv": "cat",
    "driver": "git merge-file --marker-size=%L %A %O %B",
    "uploadpack": "git-upload-pack",
    "receivepack": "git-receive-pack",
    "gitproxy": "",
    "allow": "never",
}
"""What a repository's driver keys become: no filter, identity textconv, git's text merge."""
_TRUSTED_SCOPES = ("system", "global")
_INCLUDE_KEY = re.compile(r"^include(?:if\..*)?\.path$")
_MAX_INCLUDES = 20
CONFIG_TIMEOUT = 20.0
"""Seconds a repository's config may take to read (a FIFO as ``.git/config`` never ends)."""


class GitError(MlopsNewError):
    """A git command failed unexpectedly."""


class GitFileSystemError(GitError, FileSystemError):
    """A git command failed because the file system refused (full, read-only, permissions)."""


class UnsafeRepositoryError(GitError, UserError):
    """A repository's git config cannot be read safely (an include that is a FIFO or device)."""


_FILE_SYSTEM_FAILURES = (
    "No space left on device",
    "Disk quota exceeded",
    "Read-only file system",
    "Permission denied",
    "File name too long",
)
"""git's messages (``LC_ALL=C``) for failures the user's disk or permissions cause."""


def failure(args: tuple[str, ...], cwd: Path, stderr: str) -> GitError:
    """The error for a failed ``git *args``: a user error when the file system refused."""
    message = f"git {' '.join(args)} failed in {cwd}: {stderr}"
    if any(text in stderr for text in _FILE_SYSTEM_FAILURES):
        return GitFileSystemError(
            message, "Free some space or make the folder writable, then retry."
        )
    return GitError(message)


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
    trust: Trust = Trust.REPOSITORY,
) -> subprocess.CompletedProcess[bytes]:
    """Run hardened ``git *args`` in ``cwd``; the completed process (bytes).

    With ``check`` a non-zero exit raises :class:`GitError` naming the command.
    ``trust=Trust.FORGE``: a network call on the user's behalf in a folder of
    ours (see ``forge.push``), with the user's own credentials.
    """
    if trust is Trust.FORGE:
        options, environ = _FORGE_HARDENING, {**environment(trust), **(env or {})}
    else:
        options, environ = HARDENING, hardened_env(cwd, env)
    proc = subprocess.run(
        [require_git(), *options, *_no_ext_diff(args)],
        cwd=cwd,
        env=environ,
        capture_output=True,
        input=input,
        check=False,
    )
    if check and proc.returncode != 0:
        raise failure(args, cwd, proc.stderr.decode("utf-8", "replace").strip())
    return proc


def hardened_env(
    cwd: Path | None = None, extra: dict[str, str] | None = None, repos: tuple[Path, ...] = ()
) -> dict[str, str]:
    """The environment of a hardened git call in ``cwd``: :data:`HARDENING` and driver overrides.

    ``repos`` adds the driver overrides of more repositories.
    """
    level = Trust.REPOSITORY
    return {**environment(level, (cwd, *repos) if cwd is not None else repos), **(extra or {})}


_FORGE_HARDENING = tuple(
    part
    for i in range(0, len(HARDENING), 2)
    if HARDENING[i + 1].partition("=")[0] not in _FORGE_KEEPS
    for part in HARDENING[i : i + 2]
)


def environment(level: Trust, repos: tuple[Path, ...] = ()) -> dict[str, str]:
    """The one builder of a subprocess's environment and git configuration, per trust level.

    The process environment without what git sets for hooks (``GIT_DIR``...), cut
    to ``_RENDER_SEES`` for an untrusted render, plus :func:`hardening_variables`
    for ``level`` (``repos``: the repositories whose drivers are overridden).
    """
    base = {k: v for k, v in os.environ.items() if k not in (*_UNSET_ENV, *_REPO_ENV)}
    if level is Trust.UNTRUSTED_RENDER:
        base = {k: v for k, v in base.items() if _render_sees(k)}
    return {**base, **hardening_variables(repos, level)}


def _render_sees(name: str) -> bool:
    return name in _RENDER_SEES or name.startswith(_RENDER_SEES_PREFIXES)


def hardening_variables(
    repos: tuple[Path, ...] = (), level: Trust = Trust.REPOSITORY
) -> dict[str, str]:
    """Only the variables that harden git: ``_ENV`` and ``GIT_CONFIG_*`` for ``repos``.

    Also given to copier around its own git calls (see ``_copier``), so the
    ``-c`` options travel as ``GIT_CONFIG_*`` variables too.
    """
    pairs = [
        (HARDENING[i + 1].partition("=")[0], HARDENING[i + 1].partition("=")[2])
        for i in range(0, len(HARDENING), 2)
    ]
    if level is Trust.FORGE:
        pairs = [pair for pair in pairs if pair[0] not in _FORGE_KEEPS]
    for repo in repos:
        pairs.extend(driver_overrides(repo))
    variables = dict(_ENV)
    if any(key == "core.gitproxy" for key, _ in pairs):
        # `-c` cannot override a repository's proxy command (the first match wins);
        # the variable can, and an empty one means no proxy.
        pairs = [pair for pair in pairs if pair[0] != "core.gitproxy"]
        variables["GIT_PROXY_COMMAND"] = os.environ.get("GIT_PROXY_COMMAND", "")
    # The user's own GIT_CONFIG_* entries stay; ours come after them and win.
    count = os.environ.get("GIT_CONFIG_COUNT", "")
    start = int(count) if count.isdigit() else 0
    variables["GIT_CONFIG_COUNT"] = str(start + len(pairs))
    for index, (key, value) in enumerate(pairs, start):
        variables[f"GIT_CONFIG_KEY_{index}"] = key
        variables[f"GIT_CONFIG_VALUE_{index}"] = value
    return variables


def driver_overrides(cwd: Path) -> tuple[tuple[str, str], ...]:
    """``(key, value)`` pairs that neutralise the drivers configured by the repository at ``cwd``.

    Cached per folder: a repository's config is read once per process, also when
    two threads ask at once (`check` starts its git calls side by side).
    """
    try:
        where = str(cwd.resolve())
    except OSError:
        return ()
    with _OVERRIDES_LOCK:
        return _driver_overrides(where)


_OVERRIDES_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4096)
def _driver_overrides(cwd: str) -> tuple[tuple[str, str], ...]:
    _refuse_unreadable_includes(Path(cwd))
    listed = _config_entries(Path(cwd), ("--show-scope", "--show-origin", "--includes"))
    trusted = {key: value for scope, _, key, value in listed if scope in _TRUSTED_SCOPES}
    untrusted = {key for scope, _, key, _ in listed if scope not in (*_TRUSTED_SCOPES, "command")}
    untrusted |= _conditionally_included_keys(Path(cwd), listed)
    overrides = []
    for key in sorted(untrusted):
        if _DRIVER_KEY.match(key):
            overrides.append((key, trusted.get(key, _SAFE_VALUES[key.rsplit(".", 1)[1]])))
    return tuple(overrides)


def _config_entries(
    cwd: Path,
    options: tuple[str, ...],
    pattern: str = f"{_DRIVER_PATTERN}|^include(if)?\\.",
    *,
    outside: bool = False,
) -> list[tuple[str, str, str, str]]:
    """``(scope, origin, key, value)`` of config keys naming drivers or includes.

    ``outside``: git does not look for the repository holding ``cwd`` (a ``--file`` read).
    """
    try:
        proc = subprocess.run(
            [require_git(), "config", "-z", *options, "--get-regexp", pattern],
            cwd=cwd,
            env={
                **{k: v for k, v in os.environ.items() if k not in (*_UNSET_ENV, *_REPO_ENV)},
                **_ENV,
                **(OUTSIDE_ANY_REPOSITORY if outside else {}),
            },
            capture_output=True,
            check=False,
            timeout=CONFIG_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise _unreadable(cwd, "(or a file it includes)") from exc
    entries = []
    fields = 3 if "--show-scope" in options else 2
    parts = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    for index in range(0, len(parts) - fields + 1, fields):
        chunk = parts[index : index + fields]
        scope = chunk[0] if fields == 3 else "local"
        origin = chunk[-2]
        key, _, value = chunk[-1].partition("\n")
        entries.append((scope, origin, key, value))
    return entries


def _conditionally_included_keys(cwd: Path, listed: list[tuple[str, str, str, str]]) -> set[str]:
    """Driver keys in files a repository includes, whether or not the condition holds now."""
    queue = [
        (origin, value) for scope, origin, key, value in listed
        if scope not in _TRUSTED_SCOPES and _INCLUDE_KEY.match(key)
    ]  # fmt: skip
    keys: set[str] = set()
    seen: set[str] = set()
    while queue and len(seen) < _MAX_INCLUDES:
        origin, value = queue.pop()
        path = _include_path(origin, value)
        if path is None or path in seen:
            continue
        seen.add(path)
        for _, sub_origin, key, sub_value in _config_entries(
            cwd, ("--show-origin", "--file", path)
        ):
            if _INCLUDE_KEY.match(key):
                queue.append((sub_origin, sub_value))
            keys.add(key)
    return keys


def _refuse_unreadable_includes(cwd: Path) -> None:
    """Refuse a repository config that is, or includes, anything but a regular file.

    A FIFO or ``/dev/zero`` would hang every git command in the repository
    (git reads includes even to find the repository), so the files are found
    without git in the repository: its config files by path, their includes
    by ``git config --file`` outside any repository.
    """
    try:
        queue = list(_repository_configs(cwd))
    except OSError:
        return  # unreadable: git's own error follows
    seen: set[str] = set()
    while queue and len(seen) < _MAX_INCLUDES:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            mode = Path(path).stat().st_mode
        except OSError:
            continue  # git skips a missing include
        if not stat.S_ISREG(mode):
            raise _unreadable(cwd, f"'{path}'")
        for _, origin, key, value in _config_entries(
            cwd,
            ("--show-origin", "--no-includes", "--file", path),
            r"^include(if)?\.",
            outside=True,
        ):
            include = _include_path(origin, value) if _INCLUDE_KEY.match(key) else None
            if include is not None:
                queue.append(include)


def _repository_configs(cwd: Path) -> tuple[str, ...]:
    """The config files of the repository holding ``cwd`` (found as git would, without git)."""
    for folder in (cwd, *cwd.parents):
        dot = folder / ".git"
        if dot.is_file():
            text = _head(dot)
            git_dir = (folder / text.removeprefix("gitdir:").strip()).resolve()
        elif dot.is_dir():
            git_dir = dot
        elif (folder / "HEAD").is_file() and (folder / "objects").is_dir():
            git_dir = folder  # a bare repository
        else:
            continue
        common = git_dir
        if (git_dir / "commondir").is_file():
            common = (git_dir / _head(git_dir / "commondir").strip()).resolve()
        return (str(common / "config"), str(git_dir / "config.worktree"))
    return ()


def _head(path: Path) -> str:
    """The first 4 KiB of a small file git writes (``.git`` file, ``commondir``)."""
    with path.open("rb") as file:
        return file.read(4096).decode("utf-8", "replace")


def _unreadable(cwd: Path, what: str) -> UnsafeRepositoryError:
    return UnsafeRepositoryError(
        f"The git repository at {cwd} cannot be read safely: its config {what} is not a "
        "regular file (a FIFO or a device would hang git).",
        "Remove the include.path/includeIf entry from its .git/config, then retry.",
    )


def _include_path(origin: str, value: str) -> str | None:
    if not origin.startswith("file:") or not value:
        return None
    if value.startswith("~/"):
        return str(Path(value).expanduser())
    return str(Path(origin.removeprefix("file:")).parent / value)


def _no_ext_diff(args: tuple[str, ...]) -> tuple[str, ...]:
    """Porcelain diffs get ``--no-ext-diff``: no external diff program runs."""
    if args and args[0] in _NO_EXT_DIFF:
        return (args[0], "--no-ext-diff", *args[1:])
    return args


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


def uncommitted(path: Path, *paths: str) -> list[str]:
    """Paths under ``path`` (or just ``paths`` there) with staged, unstaged or untracked
    (not ignored) changes: the one definition of "dirty", for ``update``, ``restore``,
    ``fleet update`` and ``fleet report`` alike.
    """
    out = run(
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=normal",
        "--",
        *(paths or (".",)),
        cwd=path,
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


OUTSIDE_ANY_REPOSITORY = {"GIT_DIR": os.devnull}
"""For a git call about a template source (``ls-remote``): no repository's config applies,
not even that of the folder the user (or a CI job checking a pull request) stands in."""
