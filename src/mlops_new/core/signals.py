"""Interrupting signals (Ctrl-C, SIGTERM, SIGHUP) around the steps that must not be cut.

:func:`install` (called by the CLI's ``main``) turns SIGTERM and SIGHUP into
``KeyboardInterrupt`` like Ctrl-C, and every command that writes undoes its work
on it.  Two moments must not be cut in half: creating or removing a folder that
cleanup relies on (:func:`held`), and the step after which the work is done and
must no longer be undone (:func:`completing`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

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


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is, or came from, Ctrl-C or a signal (a ``KeyboardInterrupt``).

    Python wraps an interrupt raised in some places in another error: during an
    import, a signal that lands in a class's ``__set_name__`` (a dataclass field)
    surfaces as ``RuntimeError``, with the interrupt as its cause.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _redeliver(unraisable: Any) -> None:
    """A signal's ``KeyboardInterrupt`` raised where Python cannot raise (a weakref or
    ``__del__`` callback, e.g. inside an import) is not lost, nor printed as "Exception
    ignored": the signal is sent again and arrives in ordinary code."""
    exc = unraisable.exc_value
    if isinstance(exc, KeyboardInterrupt):  # Ctrl-C's has no name; ours name their signal
        name = str(exc.args[0]) if exc.args else "SIGINT"
        if name in _REDELIVERED:
            # From another thread, a moment later: the handler runs once this hook returned.
            again = threading.Timer(0.05, os.kill, (os.getpid(), _REDELIVERED[name]))
            again.daemon = True
            again.start()
            return
    sys.__unraisablehook__(unraisable)


_HANDLED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_REDELIVERED = {signal.Signals(signum).name: signum for signum in (signal.SIGINT, *_HANDLED)}


def install() -> None:
    """SIGTERM (CI cancel, ``timeout``) and SIGHUP (closed terminal) act like Ctrl-C.

    Every command that writes already turns ``KeyboardInterrupt`` into "leave
    nothing behind" (or a resumable journal), so one handler covers them all.
    """
    for signum in _HANDLED:
        signal.signal(signum, _interrupt)
    sys.unraisablehook = _redeliver


def ignore_from_now_on() -> None:
    """After the command: a late signal must not turn its exit code into a crash."""
    for signum in _REDELIVERED.values():
        signal.signal(signum, signal.SIG_IGN)
