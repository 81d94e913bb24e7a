"""``mlops-new link PATH``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli import _output
from mlops_new.cli._errors import handled
from mlops_new.cli._options import DataOption, FormatOption


def link(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="The repository to adopt.")],
    ref: Annotated[
        str | None,
        typer.Option(
            "--ref",
            metavar="VERSION",
            help="Template version its files match best (default: the newest).",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option("--template", metavar="SRC", help="Another copier template in git."),
    ] = None,
    data: DataOption = None,
    fmt: FormatOption = _output.Format.rich,
) -> None:
    """Adopt an existing repository: record answers and a base version, rewrite nothing."""
    from mlops_new.answers import parse_pairs  # noqa: PLC0415
    from mlops_new.link import link_project  # noqa: PLC0415

    with handled():
        result = link_project(path, ref=ref, template=template, data=parse_pairs(data or []))
        _output.linked(result, fmt)
