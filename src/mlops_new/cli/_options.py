"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli._formats import Format

FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]
TrustOption = Annotated[
    bool,
    typer.Option(
        "--trust", help="Allow the template's Jinja extensions in the render (its tasks never run)."
    ),
]
DataOption = Annotated[
    list[str] | None,
    typer.Option("--data", "-d", metavar="KEY=VALUE", help="Answer a question (repeatable)."),
]
ProjectArgument = Annotated[
    Path, typer.Argument(metavar="PATH", help="The project (default: here).")
]
ProjectOption = Annotated[
    Path, typer.Option("--path", metavar="PATH", help="The project (default: here).")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Settings file (default: $MLOPS_NEW_CONFIG, else ~/.config/mlops-new/config.toml).",
    ),
]
TemplateOption = Annotated[
    str | None,
    typer.Option("--template", metavar="SRC", help="Another copier template in git (path or URL)."),
]
RefOption = Annotated[
    str | None,
    typer.Option(
        "--ref", metavar="VERSION", help="Template version, e.g. 0.1.0 (default: the newest)."
    ),
]
