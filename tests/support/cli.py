"""The one way tests run mlops-new in-process: as ``mlops-new ARGS`` would, routing included."""

from __future__ import annotations

from collections.abc import Callable

from typer.testing import CliRunner, Result

from mlops_new.cli import app, route

Invoke = Callable[..., Result]


def run_cli(*args: str, input: str | None = None) -> Result:
    """``mlops-new ARGS`` (``mlops-new NAME`` routed to ``create``), stdout and stderr apart."""
    return CliRunner().invoke(app, route(list(args)), input=input)
