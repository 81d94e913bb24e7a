"""Interrupting signals (Ctrl-C, SIGTERM, SIGHUP) around the steps that must not be cut.

The CLI turns SIGTERM and SIGHUP into ``KeyboardInterrupt`` like Ctrl-C, and
every command that writes undoes its work on it.  Two moments must not be cut
in half: creating or removing a folder that cleanup relies on (:func:`held`),
and the step after which the work is done and must no longer be undone
(:func:`completing`).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

INTERRUPTS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _can_block() -> bool:
    return bool(INTERRUPTS) and hasattr(signal, "pthread_sigmask")


@contextmanager
def held() -> Iterator[None]:
    """Hold interrupting signals until the block is done (they are delivered after it)."""
    if not _can_block():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def completing() -> Iterator[Callable[[], None]]:
    """Yield ``done()``: from that call on, an interrupt no longer undoes the work.

    Signals are held from ``done()`` to the end of the block; one that arrived
    meanwhile is dropped, because the work it would abort is complete (a
    project in place, say): reporting "aborted, nothing left behind" would be
    false, and undoing it would lose it.
    """
    if not _can_block():
        yield lambda: None
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    committed = False

    def done() -> None:
        nonlocal committed
        signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
        committed = True

    try:
        yield done
    finally:
        if committed:
            _drop_pending(previous)
        else:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _drop_pending(mask: Iterable[int]) -> None:
    """Unblock with the interrupts ignored for a moment: pending ones are discarded."""
    handlers = {signum: signal.getsignal(signum) for signum in INTERRUPTS}
    for signum in INTERRUPTS:
        signal.signal(signum, signal.SIG_IGN)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
