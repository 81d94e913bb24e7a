"""``mlops-new update [PATH]``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli import _output
from mlops_new.cli._errors import ExitCode, handled
from mlops_new.cli._options import ConfigOption, FormatOption, ProjectArgument


def update(
    path: ProjectArgument = Path(),
    to: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="VERSION", help="Target template version (default: the newest)."
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Change an answer (repeatable)."),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Never prompt: new questions take their defaults.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; touch nothing.")
    ] = False,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow the template's Jinja extensions.")
    ] = False,
    config: ConfigOption = None,
    fmt: FormatOption = _output.Format.rich,
) -> None:
    """Update the project to a newer template version with a 3-way merge."""
    from mlops_new.answers import parse_pairs  # noqa: PLC0415
    from mlops_new.config import load_settings  # noqa: PLC0415
    from mlops_new.update import UpdateOptions, update_project  # noqa: PLC0415

    with handled():
        options = UpdateOptions(
            to=to,
            data=parse_pairs(data or []),
            defaults=defaults or not sys.stdin.isatty(),
            dry_run=dry_run,
            trust=trust,
            policy=load_settings(config).policy,
        )
        result = update_project(path, options)
        _output.updated(result, fmt)
    if result.conflicts and not result.dry_run:
        raise typer.Exit(int(ExitCode.CONFLICTS))
