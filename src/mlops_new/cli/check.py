"""``mlops-new check [PATH]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlops_new.cli._errors import ExitCode, handled
from mlops_new.cli._formats import CheckFormat

FAILED_CHECKS = ExitCode.FAILED_CHECKS
OUTDATED = ExitCode.OUTDATED


def check(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", help="The repository to check (default: here).")
    ] = Path(),
    fmt: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            help="rich table, json envelope, sarif (code scanning) or github (workflow annotations).",
        ),
    ] = CheckFormat.rich,
    select: Annotated[
        Optional[list[str]],  # noqa: UP045  (typer needs Optional on 3.10)
        typer.Option(
            "--select",
            metavar="IDS",
            help="Run only these checks: ids or families, comma-separated (e.g. CI,DVC001).",
        ),
    ] = None,
    ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--ignore", metavar="IDS", help="Skip these checks: ids or families, comma-separated."
        ),
    ] = None,
    config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--config",
            metavar="FILE",
            help="Settings file with the policy (default: $MLOPS_NEW_CONFIG, else ~/.config/mlops-new/config.toml).",
        ),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Search every file, and keep no scan cache in the git folder.",
        ),
    ] = False,
) -> None:
    """Check a repository against the ML standards and the organisation's policy.

    Exit codes: 0 all required checks pass, 7 a required check failed,
    8 the template version is behind the policy's minimum.
    """
    from mlops_new.standards import scan

    scan.prefetch(path, cache=not no_cache)  # git grep runs while the checks are imported

    from mlops_new.cli import _check_output
    from mlops_new.inputs.settings import load_settings
    from mlops_new.standards.runner import run_checks

    with handled():
        report = run_checks(
            path, load_settings(config), select or (), ignore or (), cache=not no_cache
        )
        _check_output.checked(report, fmt.value)
    if report.outdated:
        raise typer.Exit(int(OUTDATED))
    if not report.ok:
        raise typer.Exit(int(FAILED_CHECKS))
