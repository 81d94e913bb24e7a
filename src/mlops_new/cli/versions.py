"""``mlops-new versions``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli import _output
from mlops_new.cli._errors import handled
from mlops_new.cli._formats import Format
from mlops_new.cli._options import ConfigOption, FormatOption, ProjectOption


def versions(
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="SRC",
            help="Another copier template in git (default: this project's, else the settings' template, else the bundled one).",
        ),
    ] = None,
    path: ProjectOption = Path(),
    config: ConfigOption = None,
    fmt: FormatOption = Format.rich,
) -> None:
    """List the template versions, newest first, marking the project's own."""
    from mlops_new.inputs.settings import load_settings
    from mlops_new.ops.versions import list_versions

    with handled():
        _output.listed_versions(list_versions(template, path, load_settings(config)), fmt)
