"""``mlops-new diff [PATH]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli import _output
from mlops_new.cli._errors import ExitCode, handled
from mlops_new.cli._formats import Format
from mlops_new.cli._options import FormatOption, ProjectArgument, TrustOption


def diff(
    path: ProjectArgument = Path(),
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit with 6 when there is drift.")
    ] = False,
    fmt: FormatOption = Format.rich,
    trust: TrustOption = False,
) -> None:
    """Show what the team changed relative to the project's own template version."""
    from mlops_new.ops.drift import diff_project

    with handled():
        result = diff_project(path, trust=trust)
        _output.diffed(result, fmt)
    if exit_code and result.drifted:
        raise typer.Exit(int(ExitCode.DRIFT))
