"""Command-line values coerced without pydantic: a tenth of a second of every start-up.

Typer (0.2x) builds a pydantic ``TypeAdapter`` for every parameter it
coerces, and importing pydantic costs about 100 ms, a third of `mlops-new
check`. Our parameters are strings, paths, choices and lists of those: for
them, a value that coerces cleanly goes through typer's own pydantic-free
helpers (the same ones its adapters call). Everything else (numbers, a value
that fails, a type typer gained later) takes typer's pydantic path, so its
results and error messages are unchanged. Applied once when the CLI is built;
typer versions without these internals are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

_Coerce = Callable[[Any, Any, Any], Any]
"""``(value, param, ctx) -> value``; raises when typer's own path must decide."""


class _Fallback(Exception):  # noqa: N818  (a signal, not an error)
    """The value is not one this module coerces: typer's pydantic path decides."""


def plain_coercion() -> None:
    """Coerce str, bool, Path and choice parameters (and lists of them) without pydantic."""
    try:
        from typer._coercion import build_runtime_param
        from typer.core import _TyperParameter
    except ImportError:  # a typer without runtime coercion
        return
    original = getattr(_TyperParameter, "get_runtime_param", None)
    if original is None or getattr(original, "_mlops_new", False):
        return

    def typers(param: Any) -> Any:
        return build_runtime_param(param.type_descriptor)

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            coerce = _coercer(self.type_descriptor)
            self._runtime_param = _Plain(self, coerce, typers) if coerce else typers(self)
        return self._runtime_param

    get_runtime_param._mlops_new = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]


class _Plain:
    """A parameter's runtime coercion: ours when the value allows, else typer's own."""

    def __init__(self, param: Any, coerce: _Coerce, original: Callable[[Any], Any]) -> None:
        self._param = param
        self._coerce = coerce
        self._original = original
        self._typer: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        is_multi_value = param.multiple or param.nargs == -1
        if value is None:
            return () if is_multi_value else None
        if not (is_multi_value and isinstance(value, str)):
            try:
                return self._coerce(value, param, ctx)
            except _Fallback:
                pass
        if self._typer is None:
            self._typer = self._original(self._param)
        return self._typer.coerce(value, param=param, ctx=ctx)


def _coercer(descriptor: Any) -> _Coerce | None:
    """How to coerce the descriptor's values, or ``None`` to leave them all to typer."""
    if getattr(descriptor, "file_annotation", None) is not None:
        return None
    annotation, info = descriptor.annotation, descriptor.parameter_info
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        leaf = _leaf(item, info)
        if leaf is None:
            return None
        return lambda value, param, ctx: [
            leaf(v, param, ctx) for v in (value if isinstance(value, (list, tuple)) else [value])
        ]
    return _leaf(annotation, info)


def _leaf(annotation: Any, info: Any) -> _Coerce | None:
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return None
    if annotation is str:
        return _string
    if annotation is bool:
        return _flag
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice(tuple(annotation), bool(info.case_sensitive))
    if isinstance(annotation, type) and issubclass(annotation, Path) and info.path_type is None:
        return _path(annotation, info)
    return None


def _string(value: Any, _param: Any, _ctx: Any) -> str:
    if not isinstance(value, str):
        raise _Fallback
    return value


def _flag(value: Any, _param: Any, _ctx: Any) -> bool:
    if not isinstance(value, bool):  # "yes", "0", ...: typer's words
        raise _Fallback
    return value


def _choice(choices: tuple[Enum, ...], case_sensitive: bool) -> _Coerce:
    from typer._param_types import coerce_cli_choice

    def coerce(value: Any, _param: Any, ctx: Any) -> Any:
        try:
            return coerce_cli_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
        except ValueError:  # typer words the message (through pydantic)
            raise _Fallback from None

    return coerce


def _path(path_type: type[Path], info: Any) -> _Coerce:
    from typer._param_types import coerce_cli_path

    def coerce(value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str):
            value = path_type(value)  # what pydantic does with a string
        elif not isinstance(value, path_type):
            raise _Fallback
        return coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)

    return coerce
