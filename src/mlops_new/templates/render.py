"""Pristine renders of a template ref with given answers: never inside a project.

A render goes into a temporary folder through copier's ``run_copy`` with the
template's tasks skipped (an update or a diff never runs template code), and
is checked before anyone reads it: no ``.git`` path component, no symlink that
leaves the render.  Renders made without prompts are cached in the per-user
store per (template commit, answers), so a fleet of projects on one version
pays for one render.  The cache prunes itself: a render unused for
``UNUSED_FOR`` goes, and beyond ``MAX_RENDERS`` the least recently used go,
except any used in the last ``IN_USE_FOR`` (another process may be reading it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from mlops_new.core.bounded import read_yaml
from mlops_new.inputs.answers import ANSWERS_FILE
from mlops_new.templates import store
from mlops_new.templates.source import TemplateRef

CACHE_FORMAT = 2
"""2: every entry records its content digest (``DIGEST``); format 1's entries are never read."""
DIGEST = "sha256"
"""The file beside an entry's ``project`` folder that holds its content digest."""
MAX_RENDERS = 256
"""At most this many cached renders (each a project's text files: ~0.1-1 MB)."""
UNUSED_FOR = 30 * 24 * 3600
"""A cached render not used for this long (seconds) is removed."""
IN_USE_FOR = 3600
"""A cached render used this recently (seconds) is never removed."""


def cache_root() -> Path:
    """Where cached renders live (beside the template store)."""
    return store.store_path().parent / "renders"


@contextmanager
def rendered(
    ref: TemplateRef, answers: Mapping[str, Any], *, defaults: bool = True, trust: bool = False
) -> Iterator[Path]:
    """A folder holding ``ref`` rendered with ``answers`` (read it, never write to it)."""
    key = _cache_key(ref, answers) if defaults and not trust and ref.commit else None
    cached = cache_root() / key if key else None
    if cached is not None and intact(cached):
        _touch(cached)
        yield cached / "project"
        return
    with tempfile.TemporaryDirectory(prefix="mlops-new-render-") as tmp:
        dst = Path(tmp) / "project"
        _render(ref, dst, answers, defaults=defaults, trust=trust)  # _copier refuses .git, escapes
        if cached is not None:
            _store(dst, cached)
        recorded = _recorded(dst)
        if ref.commit and not trust and all(name in recorded for name in answers):
            # Under the answers it recorded only when it recorded every one it was given: an
            # answer to a question it did not ask (``docker`` with ``serving=none``) still
            # rendered, so that render is not the one its recorded answers give.
            _store(dst, cache_root() / _cache_key(ref, recorded))
        yield dst


@dataclass(frozen=True)
class Request:
    """One render: a ref, its answers, and whether copier may prompt or load extensions."""

    ref: TemplateRef
    answers: Mapping[str, Any]
    defaults: bool = True
    trust: bool = False

    def cached(self) -> Path | None:
        """Where the cache keeps this render (``None``: not cacheable)."""
        cacheable = self.defaults and not self.trust and self.ref.commit
        return cache_root() / _cache_key(self.ref, self.answers) if cacheable else None


@contextmanager
def rendered_pair(base: Request, theirs: Request) -> Iterator[tuple[Path, Path]]:
    """Both renders of an update; ``base`` renders in a forked process meanwhile (2 cores)."""
    with ExitStack() as stack:
        helper = None
        cached = base.cached()
        if (cached is None or not intact(cached)) and _can_fork():
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mlops-new-render-")))
            helper = _fork(base, tmp / "project")
            stack.callback(_stop, helper)
        theirs_dir = stack.enter_context(_request(theirs))
        if helper is not None:
            helper.join()
        if helper is not None and helper.exitcode == 0:
            base_dir = tmp / "project"  # the child's copier call refused .git and escapes
            if cached is not None:
                _store(base_dir, cached)
        else:  # no fork, or the helper failed: render here, so its error is ours to report
            base_dir = stack.enter_context(_request(base))
        yield base_dir, theirs_dir


def _request(request: Request) -> AbstractContextManager[Path]:
    return rendered(request.ref, request.answers, defaults=request.defaults, trust=request.trust)


def _can_fork() -> bool:
    """Fork is available (POSIX) and allowed here (a daemon process may not have children)."""
    in_daemon = multiprocessing.current_process().daemon
    return "fork" in multiprocessing.get_all_start_methods() and not in_daemon


def _fork(request: Request, dst: Path) -> BaseProcess:
    context = multiprocessing.get_context("fork")
    helper = context.Process(
        target=_render_quietly,
        args=(request.ref, dst, dict(request.answers)),
        kwargs={"defaults": request.defaults, "trust": request.trust},
        daemon=True,
    )
    helper.start()
    return helper


def _render_quietly(ref: TemplateRef, dst: Path, answers: dict[str, Any], **kwargs: bool) -> None:
    """The helper process: a signal ends it silently (the parent reports, and cleans up)."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    _render(ref, dst, answers, **kwargs)


def remember(ref: TemplateRef, render: Path, given: Mapping[str, Any] | None = None) -> None:
    """Cache a render made elsewhere (``create``'s, before anything else touched it).

    Only a render in which no template code ran (no ``--trust``) of a known
    commit is pristine; it is stored under the answers it recorded, which is
    the key the project's first ``update``, ``diff`` or ``restore`` looks up, unless an
    answer ``given`` was not recorded (a question it did not ask still rendered).
    """
    recorded = _recorded(render)
    if ref.commit and all(name in recorded for name in given or {}):
        _store(render, cache_root() / _cache_key(ref, recorded))


def _stop(helper: BaseProcess) -> None:
    if helper.is_alive():
        helper.terminate()
    helper.join()


@contextmanager
def pristine(
    src: str, ref: str, answers: Mapping[str, Any], *, trust: bool = False
) -> Iterator[Path]:
    """A render of ``src`` at the git ref ``ref`` with ``answers`` (``diff``, ``restore``);
    ``trust``: its Jinja extensions may load (its tasks never run)."""
    from mlops_new.templates import source  # source imports nothing of ours back

    with rendered(source.recorded(src, ref), answers, trust=trust) as folder:
        yield folder


def _render(
    ref: TemplateRef, dst: Path, answers: Mapping[str, Any], *, defaults: bool, trust: bool
) -> None:
    from mlops_new.templates import _copier  # lazy: importing copier is slow

    if ref.bundled:
        store.ensure_store()
    _copier.copy(
        ref.src,
        dst,
        ref=ref.tag,
        data=answers,
        user_defaults={},
        defaults=defaults,
        trust=trust,
        skip_tasks=True,
    )


def answers_of(render: Path) -> dict[str, Any]:
    """The answers file a render wrote (``{}`` without one): the one reader of it."""
    path = render / ANSWERS_FILE
    loaded = read_yaml(path) if path.is_file() else None
    return {str(k): v for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def _recorded(render: Path) -> dict[str, Any]:
    """The user answers a render recorded: the key a later render of the project uses."""
    return {k: v for k, v in answers_of(render).items() if not k.startswith("_")}


def _cache_key(ref: TemplateRef, answers: Mapping[str, Any]) -> str:
    document = json.dumps(
        [CACHE_FORMAT, ref.src, ref.commit, ref.tag, dict(answers)], sort_keys=True, default=str
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:32]


def digest(folder: Path) -> str:
    """A sha256 over every path under ``folder``: its name, kind (folder, symlink, file,
    executable file, as git sees them) and bytes (or link target)."""
    total = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape")
        if path.is_symlink():
            kind, data = b"l", os.fsencode(path.readlink())
        elif path.is_dir():
            kind, data = b"d", b""
        else:
            kind = b"x" if path.lstat().st_mode & 0o111 else b"f"
            data = hashlib.sha256(path.read_bytes()).digest()
        total.update(b"%s\0%s\0%s\0" % (rel, kind, data))
    return total.hexdigest()


def intact(cached: Path) -> bool:
    """Whether the cache entry ``cached`` holds a render with the digest stored beside it.

    An entry changed since it was stored (a stray edit, a half-written disk) is removed,
    so the caller renders again and stores a fresh one.
    """
    if not (cached / "project").is_dir():
        return False
    try:
        ok = (cached / DIGEST).read_text(encoding="ascii").strip() == digest(cached / "project")
    except (OSError, UnicodeDecodeError):
        ok = False
    if not ok:
        _discard(cached)
    return ok


def _discard(entry: Path) -> bool:
    """Remove a cache entry, renamed first: a reader finds it whole or not at all."""
    doomed = entry.with_name(f".staging-gone-{entry.name}")
    try:
        entry.rename(doomed)
    except OSError:
        return False
    shutil.rmtree(doomed, ignore_errors=True)
    return True


def _touch(cached: Path) -> None:
    """Mark ``cached`` as just used (its folder's mtime orders the pruning)."""
    with contextlib.suppress(OSError):  # read-only or vanished: it still serves, or re-renders
        os.utime(cached)


def prune(root: Path, *, now: float) -> list[Path]:
    """Remove cached renders unused for ``UNUSED_FOR`` and the oldest beyond ``MAX_RENDERS``,
    and what killed processes left half-stored or half-removed.

    Never one used in the last ``IN_USE_FOR``; returns what was removed.
    """
    entries = []
    removed = []
    for entry in root.iterdir() if root.is_dir() else ():
        try:
            used = entry.lstat().st_mtime
        except OSError:
            continue
        if entry.name.startswith(".staging-"):
            if now - used > IN_USE_FOR:  # left by a process killed while storing or pruning
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        elif entry.is_dir():
            entries.append((used, entry))
    entries.sort(reverse=True)  # most recently used first
    for index, (used, entry) in enumerate(entries):
        idle = now - used
        doomed = idle > IN_USE_FOR and (idle > UNUSED_FOR or index >= MAX_RENDERS)
        if doomed and _discard(entry):
            removed.append(entry)
    return removed


def _store(render: Path, cached: Path) -> None:
    """Copy ``render`` into the cache at ``cached`` atomically (first writer wins)."""
    if intact(cached):
        return
    try:
        prune(cached.parent, now=time.time())
        store.private_folder(cached.parent)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=cached.parent))
    except OSError:
        return  # a read-only store: no cache, no harm
    try:
        shutil.copytree(render, staging / "project", symlinks=True)
        (staging / DIGEST).write_text(digest(staging / "project") + "\n", encoding="ascii")
        staging.rename(cached)
    except OSError:
        pass  # another process stored it first, or the disk is full: no cache, no harm
    finally:
        shutil.rmtree(staging, ignore_errors=True)
