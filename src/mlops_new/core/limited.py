"""Run a call in a forked child with CPU, memory and wall-clock limits (untrusted renders).

Jinja's sandbox stops a template from reaching Python's internals, not from
looping or allocating without bound (``range`` nested in ``range``, a string
multiplied by a billion, a macro that recurses through a filter).  An
untrusted render therefore runs in a child process of its own under
``resource`` limits, and the parent waits at most ``seconds``; what the call
returns, or the mlops-new error it raises, comes back through a pipe.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from mlops_new.core.errors import MlopsNewError, UserError

T = TypeVar("T")

SECONDS = 120
"""Wall-clock (and CPU) seconds an untrusted render may take."""
MEMORY = 2 * 1024**3
"""Bytes of address space an untrusted render may add to what the process maps at the start."""


class LimitError(UserError):
    """A call ran past its time or memory limit and was stopped."""


def available() -> bool:
    """Fork is available (POSIX) and allowed here (a daemon process may not have children)."""
    in_daemon = multiprocessing.current_process().daemon
    return "fork" in multiprocessing.get_all_start_methods() and not in_daemon


def run(call: Callable[[], T], *, seconds: float | None = None, memory: int | None = None) -> T:
    """``call()`` in a forked child under the limits (default: :data:`SECONDS`,
    :data:`MEMORY`); its result, or its error raised here."""
    seconds = SECONDS if seconds is None else seconds
    memory = MEMORY if memory is None else memory
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(call, send, seconds, memory), daemon=True)
    child.start()
    send.close()
    try:
        ready = receive.poll(seconds)
        outcome = receive.recv() if ready else None
    except EOFError:  # the child died without a word: killed by a limit
        outcome = None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if outcome is None:
        raise LimitError(
            f"it ran past {seconds:g} seconds or {memory // 1024**2} MiB and was stopped"
        )
    result: T = _unpacked(outcome)
    return result


def _unpacked(outcome: tuple[str, Any]) -> Any:
    kind, value = outcome
    if kind == "ok":
        return value
    if kind == "error":
        cls, message, hint = value
        raise cls(message, hint)
    raise RuntimeError(f"the limited call failed:\n{value}")


def _child(call: Callable[[], Any], send: Connection, seconds: float, memory: int) -> None:
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    limit(seconds, memory)
    try:
        outcome: tuple[str, Any] = ("ok", call())
    except MlopsNewError as exc:
        outcome = ("error", (type(exc), exc.message, exc.hint))
    except BaseException:  # noqa: BLE001  (a bug: its traceback goes to the parent)
        outcome = ("bug", traceback.format_exc())
    send.send(outcome)
    send.close()


def limit(seconds: float, memory: int) -> None:
    """Limit this process's CPU time and address space (no-op where ``resource`` is missing)."""
    try:
        import resource
    except ImportError:
        return
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    mapped = _mapped_bytes()
    if mapped:
        ceiling = mapped + memory
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            ceiling = min(ceiling, hard)
        if soft == resource.RLIM_INFINITY or ceiling < soft:
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def _mapped_bytes() -> int:
    """This process's address space now (Linux ``/proc``; 0 where unknown: no memory limit)."""
    try:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")
