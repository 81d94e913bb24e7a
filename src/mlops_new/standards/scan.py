"""One pass over every file for the few things checks look for inside files.

Conflict markers, private keys, tokens, MLflow calls, trackers' imports and web apps'
constructors are found with one
``git grep`` (C, multi-threaded, binary files skipped) in a git repository, or
with Python regular expressions outside git.  Each pattern is written once, in
the common subset of POSIX extended and Python regular expressions, so both
ways find the same things; the line of every hit is kept for the report.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar, cast

from mlops_new.core import git
from mlops_new.core.errors import MlopsNewError

_U = "[A-Za-z0-9_-]"
PATTERNS: dict[str, tuple[str, ...]] = {
    "conflict": ("^(<<<<<<<|>>>>>>>)( |$)",),
    "private_key": ("-----BEGIN ([A-Z]+ )*PRIVATE KEY-----",),
    "token": (
        "AKIA[0-9A-Z]{16}",  # AWS access key id
        "[Aa][Ww][Ss]_[Ss][Ee][Cc][Rr][Ee][Tt]_[Aa][Cc][Cc][Ee][Ss][Ss]_[Kk][Ee][Yy]"
        "[\"']?[ \t]*[=:][ \t]*[\"']?[A-Za-z0-9/+]{40}",  # AWS secret access key
        "gh[pousr]_[A-Za-z0-9]{36}",  # GitHub tokens
        "github_pat_[A-Za-z0-9_]{40,}",
        "glpat-[A-Za-z0-9_-]{20}",  # GitLab personal access token
        "xox[abprs]-[A-Za-z0-9-]{10,}",  # Slack
        "hf_[A-Za-z0-9]{34,40}",  # Hugging Face
        f"sk-(proj-|svcacct-|admin-)?{_U}{{20,}}T3BlbkFJ{_U}{{20,}}",  # OpenAI
        "sk-[A-Za-z0-9]{48}",  # OpenAI (legacy)
        "dapi[0-9a-f]{32}",  # Databricks
        "WANDB_API_KEY[\"']?[ \t]*[=:][ \t]*[\"']?[0-9a-f]{40}",  # Weights & Biases
        "wandb\\.login\\([^)]*key[ \t]*=[ \t]*[\"'][0-9a-f]{40}",
        "[a-z][a-z0-9+.-]*://[^/ \t:@'\"]*:[^/ \t@'\"$<{]+@[A-Za-z0-9_.-]+",  # user:password@
    ),
    "mlflow_import": ("^[ \t]*(import mlflow|from mlflow)",),
    "tracker_import": ("^[ \t]*(import|from) (wandb|clearml|comet_ml|neptune|aim)([ .\t]|$)",),
    "web_app": ("(FastAPI|Flask|Starlette|Litestar|Quart|Sanic)\\(",),
    "mlflow_uri": (
        "set_tracking_uri\\([ \t]*[rbuf]?[\"']",
        "set_tracking_uri\\([ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*\\)",
        "environ\\[[ \t]*[\"']MLFLOW_TRACKING_URI[\"'][ \t]*\\][ \t]*=[ \t]*[rbuf]?[\"']",
    ),
}
_PLACEHOLDERS = frozenset(
    {"password", "pass", "passwd", "pwd", "secret", "token", "xxx", "***", "changeme", "pw",
     "user", "username", "foo", "bar", "example", "dummy", "fake", "placeholder", "redacted"}
)  # fmt: skip
_PLACEHOLDER_WORDS = re.compile(r"your|example|placeholder|changeme|dummy|redacted|^x+$|^\*+$")
_LOCAL_HOST = re.compile(r"@(localhost|127\.[0-9.]+|0\.0\.0\.0|host\.docker\.internal)\b")
_EXAMPLE_KEY = re.compile(r"EXAMPLE")
"""AWS's published example keys (``AKIAIOSFODNN7EXAMPLE``, ``...EXAMPLEKEY``) and their like."""


ASSETS = ("*.svg", "*.map", "*.min.css")
"""Generated text assets not scanned (drawings and source maps of 1-4 MB hold no keys);
binary files are skipped by their content (a NUL byte, as git's ``-I`` and :func:`read`)."""


def asset(name: str) -> bool:
    """Whether ``name`` is one of :data:`ASSETS`."""
    return name.endswith(tuple(glob[1:] for glob in ASSETS))


@cache
def _compiled() -> dict[str, re.Pattern[str]]:
    """Each kind's patterns as one expression (compiled on first use, not at import)."""
    return {kind: re.compile("|".join(f"(?:{p})" for p in ps)) for kind, ps in PATTERNS.items()}


@cache
def _any() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for ps in PATTERNS.values() for p in ps), re.MULTILINE)


_PASSWORD = re.compile("://[^/ \t:@'\"]*:(?P<pw>[^/ \t@'\"$<{]+)@")


class Hit(NamedTuple):
    """One match: the file (relative to the checked folder), its line, the matched text."""

    path: str
    line: int
    text: str


def classify(path: str, line: int, text: str, found: dict[str, list[Hit]]) -> None:
    """File ``text`` (one matched string) under every kind whose pattern it matches."""
    for kind, pattern in _compiled().items():
        if pattern.search(text) and not (kind == "token" and _placeholder(text)):
            found.setdefault(kind, []).append(Hit(path, line, text))


def _placeholder(text: str) -> bool:
    """A documented example key, or a URL whose password is a placeholder
    (``user:password@``, ``:your-password@``) or whose host is this machine
    (a CI job's throw-away database on ``localhost``)."""
    if _EXAMPLE_KEY.search(text):
        return True
    match = _PASSWORD.search(text)
    if match is None or any(re.search(p, text) for p in PATTERNS["token"][:-1]):
        return False
    password = match["pw"].lower()
    return (
        password in _PLACEHOLDERS
        or bool(_PLACEHOLDER_WORDS.search(password))
        or bool(_LOCAL_HOST.search(text))
    )


T = TypeVar("T")


class Background(Generic[T]):
    """``call()`` in a thread of its own (waiting for git releases the GIL).

    A daemon thread: a command that ends early (a usage error) does not wait
    for a scan it no longer needs. Lighter than ``concurrent.futures``, whose
    import (with ``logging``) is a tenth of a check's start-up.
    """

    def __init__(self, call: Callable[[], T]) -> None:
        self.pid = os.getpid()
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(call,), name="mlops-new-git", daemon=True
        )
        self._thread.start()

    def _run(self, call: Callable[[], T]) -> None:
        try:
            self._value = call()
        except BaseException as exc:  # noqa: BLE001  (re-raised by result())
            self._error = exc

    def result(self) -> T:
        """What the call returned (waiting for it), or what it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return cast("T", self._value)


_STARTED: dict[str, tuple[Background[bytes | None], Background[Any]]] = {}


def prefetch(path: Path, *, cache: bool = True) -> None:
    """Start :func:`list_files` and the search (:func:`cached_grep`, or :func:`git_grep`
    without ``cache``) of the folder ``path`` now, for the checks to find them running
    (or done).

    `mlops-new check` calls this before it imports typer and the checks (see
    :mod:`mlops_new.__main__`), and again (a no-op then) when its command runs:
    on a large repository `git grep` is the longest input, and the listing the
    one everything else waits for.
    """
    with contextlib.suppress(OSError, RuntimeError):
        root = path.expanduser().resolve()
        if root.is_dir() and os.fspath(root) not in _STARTED:
            _STARTED[os.fspath(root)] = _start(root, cache=cache)


def _start(
    root: Path, *, cache: bool
) -> tuple[Background[bytes | None], Background[dict[str, list[Hit]] | None]]:
    listing = Background(lambda: list_files(root))
    if not cache:
        return listing, Background(lambda: git_grep(root))
    return listing, Background(lambda: cached_grep(root, listing.result))


def start(
    root: Path, *, cache: bool = True
) -> tuple[Background[bytes | None], Background[dict[str, list[Hit]] | None]]:
    """The listing and the search of ``root`` in threads: the prefetched ones, else
    started now. One started in another process (before a ``fork``) has no thread
    here, and is not used."""
    started = _STARTED.pop(os.fspath(root), None)
    if started is not None and started[0].pid == os.getpid():
        return started
    return _start(root, cache=cache)


def list_files(root: Path) -> bytes | None:
    """``git ls-files -t``'s tracked (``H``...), deleted (``R``), changed (``C``, besides
    their ``H``) and untracked (``?``) files (NUL-terminated), or ``None`` outside git."""
    try:
        proc = git.run(
            "ls-files", "-z", "-t", "--cached", "--others", "--deleted", "--modified",
            "--exclude-standard",
            cwd=root,
            check=False,
        )  # fmt: skip
    except (OSError, MlopsNewError):
        return None
    return proc.stdout if proc.returncode == 0 else None


MANY_UNTRACKED = 2000
"""More untracked files than this are searched by one ``git grep --untracked`` of the whole
folder rather than named on a command line."""


def git_grep(
    root: Path, untracked: Sequence[str] | None = None, *, tracked: Sequence[str] | None = None
) -> dict[str, list[Hit]] | None:
    """Every hit under ``root``; ``None`` if git fails.

    ``tracked``: these tracked files only (each named). Without ``untracked``: the
    tracked files only. Git then reads them from the index's
    list without walking the work tree for untracked files (the listing, ``git ls-files
    --others``, walks it already); the few untracked files it finds are searched by a
    second call given ``untracked`` (``--no-index``, each named), or, when there are
    more than :data:`MANY_UNTRACKED`, by one ``--untracked`` search of everything.
    PCRE (``-P``) is five times faster than POSIX regular expressions on many
    patterns; git built without it falls back to ``-E``. The patterns go as one
    alternation (PCRE takes the leftmost, as :func:`python_scan` does). Reading
    the files is most of the work: git gets every core but the one the checks
    run on meanwhile.
    """
    threads = str(max(1, (os.cpu_count() or 1) - 1))
    every = ("--", ".", *(f":(exclude){glob}" for glob in ASSETS))
    where: tuple[str, ...] = every
    options: tuple[str, ...] = ()
    if untracked is not None and len(untracked) > MANY_UNTRACKED:
        where = ("--untracked", *every)
    elif untracked is not None or tracked is not None:
        named = untracked if untracked is not None else tracked or ()
        names = [name for name in named if name[-1:] != "/" and not asset(name)]
        if not names:
            return {}
        options = ("--literal-pathspecs",)
        where = ("--no-index", "--", *names) if untracked is not None else ("--", *names)
    for syntax, group in (("-P", "(?:{})"), ("-E", "({})")):
        pattern = "|".join(group.format(p) for ps in PATTERNS.values() for p in ps)
        try:
            proc = git.run(
                *options, "grep", "-I", "-n", "-o", "-z", "--no-color", "--threads", threads,
                syntax, "-e", pattern, *where,
                cwd=root,
                check=False,
            )  # fmt: skip
        except (OSError, MlopsNewError):
            return None
        if proc.returncode in (0, 1):
            return _parse(proc.stdout)
    return None


MANY_CHANGED = 2000
"""More changed files than this since the cached search are searched by one whole search."""


def cached_grep(root: Path, listing: Callable[[], bytes | None]) -> dict[str, list[Hit]] | None:
    """:func:`git_grep` of the tracked files, searching only those that may have changed
    since a cached search (see :mod:`mlops_new.standards.scancache`); ``listing`` gives
    :func:`list_files`'s output (the changed files are its ``C`` entries)."""
    from mlops_new.standards import scancache

    if not scancache.worth_it(root):
        return git_grep(root)
    where = scancache.place(root, [PATTERNS, ASSETS])
    staged = scancache.staged(root) if where is not None else None
    if where is None or staged is None:
        return git_grep(root)
    entry = scancache.load(where)
    changed = scancache.changed_since(root, entry, where) if entry is not None else None
    listed = listing() if entry is not None and changed is not None else None
    if entry is None or changed is None or listed is None:
        found = git_grep(root)  # while the listing runs
        listed = listing()
        if found is not None and listed is not None:
            scancache.save(where, frozenset(staged | scancache.modified(listed)), found)
        return found
    dirty = frozenset(staged | scancache.modified(listed))
    changed |= dirty
    present = [name for name in sorted(changed) if os.path.lexists(root / name)]
    if len(present) > MANY_CHANGED:
        fresh, changed = git_grep(root), {hit[0] for hits in entry.hits.values() for hit in hits}
    else:
        fresh = git_grep(root, tracked=present) if present else {}
    if fresh is None:
        return None
    hits: dict[str, list[Hit]] = {}
    for kind in sorted(entry.hits.keys() | fresh.keys()):
        kept = [Hit(*hit) for hit in entry.hits.get(kind, []) if hit[0] not in changed]
        if merged := sorted([*kept, *fresh.get(kind, [])], key=lambda hit: hit.path):
            hits[kind] = merged
    if entry.tree != where.tree or entry.dirty != dirty or fresh:
        scancache.save(where, dirty, hits)
    return hits


def index_sizes(root: Path, at_least: int = 0) -> dict[str, int] | None:
    """Sizes of the files in git's index (staged or committed) under ``root``, without a stat.

    ``git ls-files --debug`` prints the size git recorded when each file was
    added: the size of what is, or is about to be, committed. Only files of at
    least ``at_least`` bytes are kept, found by one regular expression over the
    whole listing (a large repository has tens of thousands of entries, and
    almost none is large).
    """
    try:
        proc = git.run("ls-files", "-z", "--debug", cwd=root, check=False)
    except (OSError, MlopsNewError):
        return None
    if proc.returncode != 0:
        return {}
    text = proc.stdout.decode("utf-8", "surrogateescape")
    # Each entry: PATH \0 "  ctime: ...\n ... \n  size: N\tflags: F\n", then the next PATH.
    size = re.compile(rf"\n  size: (\d{{{len(str(at_least))},}})\t")
    sizes: dict[str, int] = {}
    for match in size.finditer(text):
        if int(match[1]) < at_least:
            continue
        end = text.rfind("\0", 0, match.start())
        previous = text.rfind("\tflags: ", 0, end)
        start = 0 if previous < 0 else text.index("\n", previous) + 1
        sizes[text[start:end]] = int(match[1])
    return sizes


def _parse(output: bytes) -> dict[str, list[Hit]]:
    found: dict[str, list[Hit]] = {}
    for record in output.split(b"\n"):
        parts = record.split(b"\0", 2)
        if len(parts) == 3 and parts[1].isdigit():
            text = parts[2].decode("utf-8", "replace")
            classify(os.fsdecode(parts[0]), int(parts[1]), text, found)
    return found


def python_scan(files: Iterable[str], read: Callable[[str], str | None]) -> dict[str, list[Hit]]:
    """The same hits as :func:`git_grep`, found with Python (outside git)."""
    found: dict[str, list[Hit]] = {}
    for name in files:
        text = read(name) if not asset(name) else None
        if not text:
            continue
        for match in _any().finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            classify(name, line, match.group(0), found)
    return found
