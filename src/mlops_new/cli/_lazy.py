"""Commands built when they run: `mlops-new check` does not build `create` or `fleet`.

Typer turns every registered command into a click command (signature, type
hints, parameters) each time the CLI starts: about 12 ms, against 1 ms for the
one that runs. The root group here holds a table of ``name -> (module,
attribute)`` and imports and builds a command the first time click asks for it
by name; listing the commands (``--help``, the reference docs) builds them all,
in the table's order, as typer would.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any, ClassVar

import typer
import typer.main
from typer.core import TyperGroup

Lazy = tuple[str, str, dict[str, Any]]
"""``(module under mlops_new.cli, attribute, app.command() settings)``: a function or a Typer."""


class LazyGroup(TyperGroup):
    """A typer group whose commands come from its ``table`` (set by the CLI) when asked for."""

    table: ClassVar[dict[str, Lazy]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(dict(self.commands), self.table)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: nothing built


class _Commands(MutableMapping[str, Any]):
    """Built commands, and the rest of the table built on first access."""

    def __init__(self, built: dict[str, Any], table: dict[str, Lazy]) -> None:
        self._built = built
        self._table = table

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._table:
                raise KeyError(name)
            self._built[name] = build(name, *self._table[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._built.pop(name, None)
        self._table = {k: v for k, v in self._table.items() if k != name}

    def __iter__(self) -> Iterator[str]:
        yield from self._table
        yield from (name for name in self._built if name not in self._table)

    def __len__(self) -> int:
        return len(set(self._table) | set(self._built))


def build(name: str, module: str, attribute: str, settings: dict[str, Any]) -> Any:
    """The click command (or group) typer makes of ``mlops_new.cli.MODULE.ATTRIBUTE``."""
    target = getattr(importlib.import_module(f"mlops_new.cli.{module}"), attribute)
    holder = typer.Typer(add_completion=False, rich_markup_mode=None)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name, **settings)
    else:
        holder.command(name, **settings)(target)
    holder.callback()(_no_options)  # a group, as under the real root
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]


def _no_options() -> None:
    """The holder's callback."""
