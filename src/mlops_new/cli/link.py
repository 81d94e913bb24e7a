"""``mlops-new link PATH``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli import _output
from mlops_new.cli._errors import handled
from mlops_new.cli._formats import Format
from mlops_new.cli._options import ConfigOption, DataOption, FormatOption, TrustOption


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
    fmt: FormatOption = Format.rich,
    config: ConfigOption = None,
    trust: TrustOption = False,
) -> None:
    """Adopt an existing repository: record what it is as answers and a base version.

    Package name, licence, CI provider, tracking, serving and Docker are read from the
    repository; -d answers the rest (the policy's locked answers cannot be changed).
    """
    from mlops_new.inputs.answers import parse_pairs
    from mlops_new.inputs.settings import load_settings
    from mlops_new.ops.link import link_project

    with handled():
        result = link_project(
            path,
            ref=ref,
            template=template,
            data=parse_pairs(data or []),
            settings=load_settings(config),
            trust=trust,
        )
        _output.linked(result, fmt)
