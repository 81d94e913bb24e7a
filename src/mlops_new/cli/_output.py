"""The only module that prints: rich for people, a JSON envelope for programs."""

from __future__ import annotations

import enum
import json
import sys
from typing import TYPE_CHECKING, Any

from mlops_new import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from mlops_new.results import CreateResult

JSON_SCHEMA_VERSION = 1


class Format(str, enum.Enum):
    """``--format`` of reporting commands."""

    rich = "rich"
    json = "json"


# rich is imported when something is printed, not when the CLI starts: it costs
# about 30 ms, a tenth of `mlops-new --help`.


def _stdout() -> Console:
    from rich.console import Console  # noqa: PLC0415

    return Console(highlight=False)


def _stderr() -> Console:
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=True, highlight=False)


def escape(text: str) -> str:
    """Escape rich markup in user-provided text."""
    from rich.markup import escape as rich_escape  # noqa: PLC0415

    return rich_escape(text)


def error(message: str, hint: str | None) -> None:
    """A user-facing error: one or two lines on stderr, no traceback."""
    console = _stderr()
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    if hint:
        console.print(f"[dim]hint:[/] {escape(hint)}", soft_wrap=True)


def note(message: str) -> None:
    """An informational line on stderr (never pollutes ``--format json``)."""
    _stderr().print(f"[dim]{escape(message)}[/]", soft_wrap=True)


def envelope(command: str, result: dict[str, Any]) -> str:
    """The JSON document every ``--format json`` prints."""
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "mlops_new_version": __version__,
        "command": command,
        "result": result,
    }
    return json.dumps(document, indent=2, sort_keys=False, default=str)


def created(result: CreateResult, fmt: Format) -> None:
    """Report a created project."""
    if fmt is Format.json:
        sys.stdout.write(envelope("create", result.to_json()) + "\n")
        return
    err = _stderr()
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    out = _stdout()
    out.print(
        f"[green]Created[/] [bold]{escape(str(result.path))}[/] from template "
        f"[bold]{escape(result.template_version)}[/] ({escape(result.template_src)})",
        soft_wrap=True,
    )
    out.print("Next steps:")
    steps = [f"cd {result.path.name}", "make setup    # uv sync + pre-commit hooks"]
    steps += ["make test     # pytest", "make repro    # dvc repro: prepare -> train -> evaluate"]
    for step in steps:
        out.print(f"  {escape(step)}")
