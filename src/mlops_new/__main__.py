"""``python -m mlops_new`` and the ``mlops-new`` script.

`mlops-new check PATH` starts `git grep` of PATH (the longest input of a large
repository) before typer and the checks are imported, about a tenth of a
second before the command runs; the checks take the running one over (see
:func:`mlops_new.standards.scan.prefetch`). Only a plain command line is read
here: anything unusual (help, ``--``, an option this does not know) starts
nothing, and the command starts its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

CHECK_VALUE_OPTIONS = frozenset({"--format", "--select", "--ignore", "--config"})
"""The options of ``check`` that take a value (a test compares them with the command's)."""
CHECK_FLAGS = frozenset({"--no-cache"})
"""``check``'s flags (the test compares these too)."""


def check_path(args: list[str]) -> Path | None:
    """The PATH of ``check ARGS`` (``.`` when none is given), or ``None`` when unsure."""
    paths: list[str] = []
    pending = False
    for arg in args:
        if pending:
            pending = False
        elif arg in CHECK_FLAGS:
            continue
        elif arg.startswith("-"):
            if arg.split("=", 1)[0] not in CHECK_VALUE_OPTIONS:
                return None  # -h, --help, --, or an option typer will reject
            pending = "=" not in arg
        else:
            paths.append(arg)
    if pending or len(paths) > 1:
        return None
    return Path(paths[0] if paths else ".")


def main() -> None:
    """Console-script entry point: :func:`mlops_new.cli.main`, ``check``'s scan started first."""
    args = sys.argv[1:]
    if args[:1] == ["check"] and (path := check_path(args[1:])) is not None:
        from mlops_new.standards import scan

        scan.prefetch(path, cache="--no-cache" not in args)
    from mlops_new.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
