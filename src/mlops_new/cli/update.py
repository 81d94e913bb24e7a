"""``mlops-new update [PATH]``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli import _output
from mlops_new.cli._errors import ExitCode, handled
from mlops_new.cli._formats import UpdateFormat
from mlops_new.cli._options import ConfigOption, ProjectArgument
from mlops_new.cli._prompts import wrapping_validation_errors


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
        bool,
        typer.Option("--trust", help="Allow the template's Jinja extensions and `uv lock`."),
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Also print the result as a patch.")] = False,
    no_lock: Annotated[
        bool, typer.Option("--no-lock", help="Never refresh uv.lock after pyproject.toml changed.")
    ] = False,
    abort: Annotated[
        bool, typer.Option("--abort", help="Undo an interrupted or conflicted update.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--continue", help="Finish an interrupted update, or close a resolved one."),
    ] = False,
    config: ConfigOption = None,
    fmt: Annotated[
        UpdateFormat, typer.Option("--format", help="Output format (markdown: for pull requests).")
    ] = UpdateFormat.rich,
) -> None:
    """Update the project to a newer template version with a 3-way git merge."""
    from mlops_new.core.errors import AbortedError
    from mlops_new.inputs.answers import parse_pairs
    from mlops_new.inputs.settings import load_settings
    from mlops_new.ops.update import (
        UpdateOptions,
        abort_update,
        continue_update,
        update_project,
    )

    if abort or resume:
        with handled():
            result = abort_update(path) if abort else continue_update(path)
            _output.resumed(result, fmt, aborted=abort)
        if result.conflicts:  # --continue finished an interrupted update that has conflicts
            raise typer.Exit(int(ExitCode.CONFLICTS))
        return
    with handled():
        interactive = sys.stdin.isatty() and not defaults
        if interactive:
            wrapping_validation_errors()
        options = UpdateOptions(
            to=to,
            data=parse_pairs(data or []),
            defaults=not interactive,
            dry_run=dry_run,
            trust=trust,
            diff=diff,
            lock=not no_lock,
            settings=load_settings(config),
        )
        result = update_project(path, options)
        try:
            _output.updated(result, fmt)
        except KeyboardInterrupt as exc:  # the update is applied: never "nothing left behind"
            raise AbortedError(
                "Interrupted while reporting: the update itself was applied; "
                "review it with `git status` and `git diff` (or `git checkout -- .` to drop it)."
            ) from exc
    if result.conflicts:
        raise typer.Exit(int(ExitCode.CONFLICTS))
