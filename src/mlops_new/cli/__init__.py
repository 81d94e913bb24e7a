"""The ``mlops-new`` command line: thin typer commands over the core."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Annotated, Optional

import typer

from mlops_new import __version__
from mlops_new.cli._coerce import plain_coercion
from mlops_new.cli._help import plain_argument_help
from mlops_new.cli.check import check
from mlops_new.cli.create import EXAMPLES, create
from mlops_new.cli.diff import diff
from mlops_new.cli.fleet import fleet_app
from mlops_new.cli.link import link
from mlops_new.cli.questions import questions
from mlops_new.cli.restore import restore
from mlops_new.cli.update import update
from mlops_new.cli.versions import versions

app = typer.Typer(
    name="mlops-new",
    help="Start, and keep current, a machine-learning repository.\n\n"
    "`mlops-new NAME` is short for `mlops-new create NAME`.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
plain_argument_help()
plain_coercion()
app.command("create", epilog=EXAMPLES)(create)
app.command("questions")(questions)
app.command("update")(update)
app.command("versions")(versions)
app.command("diff")(diff)
app.command("restore")(restore)
app.command("link")(link)
app.command("check")(check)
app.add_typer(fleet_app, name="fleet")


def _version(value: bool) -> None:
    if value:
        from mlops_new.template_store import latest  # noqa: PLC0415

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


_GLOBAL_FLAGS = {"--help", "-h", "--version", "-V"}


def route(args: list[str]) -> list[str]:
    """``mlops-new NAME ...`` -> ``mlops-new create NAME ...``."""
    if not args or args[0] in _GLOBAL_FLAGS:
        return args
    commands = {command.name for command in app.registered_commands}
    commands |= {group.name for group in app.registered_groups if group.name}
    if args[0] in commands:
        return args
    return ["create", *args]


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def install_signal_handlers() -> None:
    """SIGTERM (CI cancel, ``timeout``) and SIGHUP (closed terminal) act like Ctrl-C.

    Every command that writes already turns ``KeyboardInterrupt`` into "leave
    nothing behind" (or a resumable journal), so one handler covers them all.
    """
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        install_signal_handlers()
        app(args=route(sys.argv[1:] if argv is None else argv), prog_name="mlops-new")
    except KeyboardInterrupt:  # before a command's own handling began, or after it ended
        sys.stderr.write("Aborted.\n")
        sys.exit(130)
    finally:  # the command is over: a late signal must not turn its exit code into a crash
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
