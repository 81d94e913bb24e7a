"""``mlops-new restore [PATH] FILE...``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli import _output
from mlops_new.cli._errors import handled
from mlops_new.cli._formats import Format
from mlops_new.cli._options import FormatOption, ProjectOption, TrustOption


def restore(
    files: Annotated[
        list[str],
        typer.Argument(metavar="FILE...", help="Files to bring back, relative to the project."),
    ],
    path: ProjectOption = Path(),
    fmt: FormatOption = Format.rich,
    trust: TrustOption = False,
) -> None:
    """Bring FILEs back exactly as the project's template version renders them."""
    from mlops_new.ops.drift import restore_files

    with handled():
        _output.restored(restore_files(path, files, trust=trust), fmt)
