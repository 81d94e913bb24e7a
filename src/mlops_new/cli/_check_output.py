"""Print a ``check`` report: a rich table for people, JSON, SARIF or GitHub commands for programs."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mlops_new.cli._console import envelope, escape, stdout
from mlops_new.standards.model import Severity, Status
from mlops_new.standards.serialise import to_github, to_sarif

if TYPE_CHECKING:
    from mlops_new.standards.runner import CheckReport

_STYLE = {
    Status.passed: "[green]pass[/]",
    Status.failed: "[bold red]FAIL[/]",
    Status.skipped: "[dim]skip[/]",
    Status.waived: "[yellow]waived[/]",
}


_SEVERITY = {
    Severity.error: "[red]error[/]",
    Severity.warning: "[yellow]warning[/]",
    Severity.info: "[dim]info[/]",
}


def checked(report: CheckReport, fmt: str) -> None:
    """Print ``report`` in ``fmt`` (rich, json, sarif or github) on stdout."""
    if fmt == "json":
        sys.stdout.write(envelope("check", report.to_json()) + "\n")
    elif fmt == "sarif":
        sys.stdout.write(to_sarif(report) + "\n")
    elif fmt == "github":
        sys.stdout.write(to_github(report))
    else:
        _table(report)


def _table(report: CheckReport) -> None:
    from rich.table import Table

    out = stdout()
    table = Table(title=f"mlops-new check: {escape(str(report.path))}", title_justify="left")
    table.add_column("ID", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Check", overflow="fold")
    for result in report.results:
        text = escape(result.title)
        if result.status is not Status.passed and result.message:
            text += f"\n[dim]{escape(result.message)}[/]"
        if result.status is Status.failed:
            place = f"{result.path}:{result.line}  " if result.path else ""
            text += f"\n[dim]{escape(place)}{escape(result.url)}[/]"
        status = _STYLE[result.status]
        if result.status is Status.failed and not result.required:
            status = "[yellow]fail (not required)[/]"
        table.add_row(result.id, _SEVERITY[result.severity], status, text)
    out.print(table)
    _footer(report)


def _footer(report: CheckReport) -> None:
    out = stdout()
    currency = report.currency
    if currency is not None:
        if currency.behind is None:
            out.print(
                f"Template v{escape(currency.project_version)}: newest version unknown ({escape(currency.error)})."
            )
        elif currency.behind:
            out.print(
                f"Template v{escape(currency.project_version)} is {currency.behind} version(s) behind "
                f"v{escape(currency.latest_version or '')}: run `mlops-new update`."
            )
        else:
            out.print(f"Template v{escape(currency.project_version)} is the newest.")
    if report.policy:
        out.print(f"Policy: {escape(report.policy)}")
    for warning in report.warnings:
        out.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Status)
    verdict = (
        "[green]OK[/]"
        if report.ok
        else f"[bold red]{len(report.failures)} required check(s) failed[/]"
    )
    out.print(f"{counts}: {verdict}")
