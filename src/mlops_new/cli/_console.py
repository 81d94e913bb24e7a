"""Console plumbing for every command: the consoles, escaping, errors, notes, the JSON envelope.

rich is imported when something is printed, not when the CLI starts: it costs
about 30 ms, a tenth of ``mlops-new --help``.  The renderers of each command's
result live in :mod:`mlops_new.cli._output` and :mod:`mlops_new.cli._check_output`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mlops_new import __version__

if TYPE_CHECKING:
    from rich.console import Console

JSON_SCHEMA_VERSION = 1


# rich is imported when something is printed, not when the CLI starts: it costs
# about 30 ms, a tenth of `mlops-new --help`.


def stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape(text: str) -> str:
    """Escape rich markup and terminal control sequences in user-provided text.

    File names and messages from a checked repository may hold escape
    sequences (``\\x1b]52;...``) that would drive the user's terminal: each
    control character is shown as its ``\\xNN`` code instead.
    """
    from rich.markup import escape as rich_escape

    return rich_escape(_CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text))


def error(message: str, hint: str | None) -> None:
    """A user-facing error: one or two lines on stderr, no traceback."""
    console = stderr()
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    if hint:
        console.print(f"[dim]hint:[/] {escape(hint)}", soft_wrap=True)


def json_error(command: str, message: str, hint: str | None, exit_code: int) -> None:
    """A user-facing error under ``--format json``: the envelope with an ``error`` object."""
    document = json.loads(envelope(command, {}))
    del document["result"]
    document["error"] = {"message": message, "hint": hint, "exit_code": exit_code}
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def note(message: str) -> None:
    """An informational line on stderr (never pollutes ``--format json``)."""
    stderr().print(f"[dim]{escape(message)}[/]", soft_wrap=True)


def envelope(command: str, result: dict[str, Any]) -> str:
    """The JSON document every ``--format json`` prints."""
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "mlops_new_version": __version__,
        "command": command,
        "result": result,
    }
    return json.dumps(document, indent=2, sort_keys=False, default=str)


def print_json(command: str, payload: dict[str, Any]) -> None:
    sys.stdout.write(envelope(command, payload) + "\n")


@contextmanager
def progress(total: int, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (nothing when ``quiet``); yields ``tick(done)``."""
    if quiet or total == 0:
        yield lambda _done: None
        return
    from rich.progress import Progress

    with Progress(console=stderr(), transient=True) as bar:
        task = bar.add_task("Checking repositories", total=total)
        yield lambda done: bar.update(task, completed=done)


@contextmanager
def steps(*, enabled: bool) -> Iterator[Callable[[str | None], None]]:
    """A one-line display of the running step and its elapsed time, on stderr.

    Yields ``on_step(name)``: a new name starts a new step (its clock from
    zero), ``None`` hides the line (during prompts, and when done). Nothing is
    shown unless ``enabled`` and stderr is a terminal.
    """
    if not enabled or not sys.stderr.isatty():
        yield lambda _name: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    bar = Progress(*columns, console=stderr(), transient=True)
    current: list[Any] = []

    def on_step(name: str | None) -> None:
        for task in current:
            bar.remove_task(task)
        current.clear()
        if name is None:
            bar.stop()  # no live display at all while copier prompts in the terminal
            return
        current.append(bar.add_task(name, total=None))
        bar.start()

    try:
        yield on_step
    finally:
        bar.stop()
