"""File locks for every platform: the one place mlops-new locks anything.

POSIX ``flock`` and Windows ``msvcrt`` locks through ``filelock`` (a soft,
create-exclusive lock file where neither exists), so no command imports a
POSIX-only module on its way in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockHeld(Exception):  # noqa: N818  (a state, reported by the caller in its own words)
    """Another process holds the lock and the caller asked not to wait."""


@contextmanager
def held(path: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold the lock file ``path`` for the block (without ``wait``: :class:`LockHeld` now)."""
    from filelock import FileLock, Timeout  # lazy: it loads logging, which `check` never needs

    lock = FileLock(str(path), timeout=-1 if wait else 0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise LockHeld(str(path)) from exc
    try:
        yield
    finally:
        lock.release()
