"""``mlops-new questions``: what a template asks, with keys, choices and defaults."""

from __future__ import annotations

from typing import Annotated

import typer

from mlops_new.cli import _output
from mlops_new.cli._errors import handled
from mlops_new.cli._options import FormatOption


def questions(
    template: Annotated[
        str | None,
        typer.Option(
            "--template", metavar="SRC", help="Another copier template in git (path or URL)."
        ),
    ] = None,
    ref: Annotated[
        str | None,
        typer.Option(
            "--ref", metavar="VERSION", help="Template version, e.g. 0.1.0 (default: the newest)."
        ),
    ] = None,
    fmt: FormatOption = _output.Format.rich,
) -> None:
    """List the questions `create` asks: answer any of them with -d KEY=VALUE."""
    from mlops_new.questions import list_questions  # noqa: PLC0415

    with handled():
        _output.listed_questions(list_questions(template, ref), fmt)
