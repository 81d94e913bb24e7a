"""The ``mlops-new`` command line: thin typer commands over the core."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from mlops_new import __version__
from mlops_new.cli._coerce import plain_coercion
from mlops_new.cli._help import EXAMPLES, plain_argument_help
from mlops_new.cli._lazy import LazyGroup
from mlops_new.core import signals

LazyGroup.table = {  # name: (module, attribute, settings), in the order `--help` lists them
    "create": ("create", "create", {"epilog": EXAMPLES}),
    "questions": ("questions", "questions", {}),
    "update": ("update", "update", {}),
    "versions": ("versions", "versions", {}),
    "diff": ("diff", "diff", {}),
    "restore": ("restore", "restore", {}),
    "link": ("link", "link", {}),
    "check": ("check", "check", {}),
    "fleet": ("fleet", "fleet_app", {}),
}
app = typer.Typer(
    name="mlops-new",
    help="Start, and keep current, a machine-learning repository.\n\n"
    "`mlops-new NAME` is short for `mlops-new create NAME`.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, pwsh)
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=LazyGroup,
)
plain_argument_help()
plain_coercion()


def _version(value: bool) -> None:
    if value:
        from mlops_new.templates.store import latest

        sys.stdout.write(f"mlops-new {__version__} (bundled template {latest().version})\n")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],  # noqa: UP045  (typer needs Optional on 3.10)
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """Start, and keep current, a machine-learning repository."""


_GLOBAL_FLAGS = {"--help", "-h", "--version", "-V", "--install-completion", "--show-completion"}


def route(args: list[str]) -> list[str]:
    """``mlops-new NAME ...`` -> ``mlops-new create NAME ...``."""
    if not args or args[0] in _GLOBAL_FLAGS:
        return args
    if args[0] in LazyGroup.table:
        return args
    return ["create", *args]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        signals.install()
        app(args=route(sys.argv[1:] if argv is None else argv), prog_name="mlops-new")
    # An interrupt before a command's own handling began or after it ended, or one
    # Python wrapped in another error (e.g. while importing a command).
    except (KeyboardInterrupt, Exception) as exc:
        if not signals.is_interrupt(exc):
            raise
        sys.stderr.write("Aborted.\n")
        sys.exit(130)
    finally:  # the command is over: a late signal must not turn its exit code into a crash
        signals.ignore_from_now_on()
