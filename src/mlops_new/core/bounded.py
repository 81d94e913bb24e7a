"""Bounded reading of other people's files: sizes, encodings, YAML aliases, TOML, depth.

Data files, answers files, settings and every file ``check`` reads come from
someone else.  Nothing here may hang, exhaust memory or end in a traceback:
each limit breach is an :class:`InputError` that names the file and the limit.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import yaml

from mlops_new.core.errors import UserError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAX_BYTES = 2 * 1024 * 1024
"""Largest configuration file read (data files, answers, workflows, settings)."""
MAX_NODES = 200_000
"""Most values a YAML document may expand to (aliases counted at every use)."""
MAX_DEPTH = 100
"""Deepest nesting of a YAML document."""

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputError(UserError):
    """A file is too large, not text, not UTF-8, or a YAML bomb."""


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of the regular file ``path``, at most ``limit`` bytes.

    Refuses devices, FIFOs and folders (``/dev/zero``) before reading.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"Cannot read '{path}': {exc.strerror}.") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"'{path}' is not a regular file.")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"'{path}' is larger than {limit // 1024} KiB; mlops-new reads no more.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"'{path}' is not UTF-8 text (byte {exc.start}).", "Save it as UTF-8 and retry."
        ) from exc


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML ``text`` (named ``source`` in errors) with a safe, bounded loader."""
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506  (a safe loader, in C when built)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"'{source}' is not valid YAML ({first}).") from exc
    except RecursionError as exc:
        raise InputError(f"'{source}' is nested too deeply to be read.") from exc
    _measure(data, source)
    return data


def read_yaml(path: Path, limit: int = MAX_BYTES) -> Any:
    """:func:`read_text` then :func:`load_yaml`."""
    return load_yaml(read_text(path, limit), str(path))


def load_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML ``text`` (named ``source`` in errors), nesting bounded like YAML's."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"'{source}' is not valid TOML ({exc}).") from exc
    except RecursionError as exc:
        raise InputError(f"'{source}' is nested too deeply to be read.") from exc
    _measure(data, source)
    return data


def read_toml(path: Path, limit: int = MAX_BYTES) -> dict[str, Any]:
    """:func:`read_text` then :func:`load_toml`: the one way mlops-new reads a TOML file."""
    return load_toml(read_text(path, limit), str(path))


def _measure(data: Any, source: str) -> None:
    """Refuse documents that expand past :data:`MAX_NODES` or nest past :data:`MAX_DEPTH`.

    Aliases make a small file stand for a huge tree (a "billion laughs"); the
    size of every shared node is computed once, so this is linear in the file.
    """
    sizes: dict[int, int] = {}
    # Iterative post-order walk: (node, depth, children done?)
    stack: list[tuple[Any, int, bool]] = [(data, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(f"'{source}' is nested deeper than {MAX_DEPTH} levels.")
        children = _children(node)
        if children is None or id(node) in sizes:
            continue
        if not done:
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(child), 1) for child in children)
        if total > MAX_NODES:
            raise InputError(
                f"'{source}' expands to more than {MAX_NODES} values (YAML aliases); "
                "mlops-new refuses it."
            )
        sizes[id(node)] = total


def _children(node: Any) -> list[Any] | None:
    if isinstance(node, dict):
        return [*node.keys(), *node.values()]
    if isinstance(node, list):
        return node
    return None
