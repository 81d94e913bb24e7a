"""The only module that prints: rich for people, a JSON envelope for programs."""

from __future__ import annotations

import enum
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_new import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from mlops_new.fleet import FleetUpdateResult
    from mlops_new.fleet_report import FleetReport
    from mlops_new.results import (
        CreateResult,
        DiffResult,
        LinkResult,
        RestoreResult,
        UpdateResult,
        VersionsResult,
    )

JSON_SCHEMA_VERSION = 1


class Format(str, enum.Enum):
    """``--format`` of reporting commands."""

    rich = "rich"
    json = "json"


# rich is imported when something is printed, not when the CLI starts: it costs
# about 30 ms, a tenth of `mlops-new --help`.


def _stdout() -> Console:
    from rich.console import Console  # noqa: PLC0415

    return Console(highlight=False)


def _stderr() -> Console:
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=True, highlight=False)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape(text: str) -> str:
    """Escape rich markup and terminal control sequences in user-provided text.

    File names and messages from a checked repository may hold escape
    sequences (``\\x1b]52;...``) that would drive the user's terminal: each
    control character is shown as its ``\\xNN`` code instead.
    """
    from rich.markup import escape as rich_escape  # noqa: PLC0415

    return rich_escape(_CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text))


def error(message: str, hint: str | None) -> None:
    """A user-facing error: one or two lines on stderr, no traceback."""
    console = _stderr()
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    if hint:
        console.print(f"[dim]hint:[/] {escape(hint)}", soft_wrap=True)


def note(message: str) -> None:
    """An informational line on stderr (never pollutes ``--format json``)."""
    _stderr().print(f"[dim]{escape(message)}[/]", soft_wrap=True)


def envelope(command: str, result: dict[str, Any]) -> str:
    """The JSON document every ``--format json`` prints."""
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "mlops_new_version": __version__,
        "command": command,
        "result": result,
    }
    return json.dumps(document, indent=2, sort_keys=False, default=str)


def created(result: CreateResult, fmt: Format) -> None:
    """Report a created project."""
    if fmt is Format.json:
        sys.stdout.write(envelope("create", result.to_json()) + "\n")
        return
    err = _stderr()
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    out = _stdout()
    out.print(
        f"[green]Created[/] [bold]{escape(str(result.path))}[/] from template "
        f"[bold]{escape(result.template_version)}[/] ({escape(result.template_src)})",
        soft_wrap=True,
    )
    out.print("Next steps:")
    steps = [f"cd {result.path.name}", "make setup    # uv sync + pre-commit hooks"]
    steps += ["make test     # pytest", "make repro    # dvc repro: prepare -> train -> evaluate"]
    for step in steps:
        out.print(f"  {escape(step)}")


def _print_json(command: str, payload: dict[str, Any]) -> None:
    sys.stdout.write(envelope(command, payload) + "\n")


def _list(out: Console, title: str, names: tuple[str, ...], style: str) -> None:
    if names:
        out.print(f"[bold]{title}[/] ({len(names)}):")
        for name in names:
            out.print(f"  [{style}]{escape(name)}[/]", soft_wrap=True)


def updated(result: UpdateResult, fmt: Format) -> None:
    """Report an update (or a dry run)."""
    if fmt is Format.json:
        _print_json("update", result.to_json())
        return
    out = _stdout()
    verb = "Would update" if result.dry_run else "Updated"
    if result.up_to_date:
        out.print(
            f"[green]Up to date:[/] {escape(str(result.path))} is on template "
            f"v{escape(result.to_version)}.",
            soft_wrap=True,
        )
        return
    out.print(
        f"[green]{verb}[/] {escape(str(result.path))} from template "
        f"v{escape(result.from_version)} to v{escape(result.to_version)}.",
        soft_wrap=True,
    )
    _list(out, "Changed", result.changed, "yellow")
    _list(out, "Added", result.added, "green")
    _list(out, "Removed", result.removed, "red")
    _list(out, "Conflicts", result.conflicts, "bold red")
    for note in result.changelog:
        summary = f": {escape(note.summary)}" if note.summary else ""
        out.print(f"  v{escape(note.version)}{summary}", soft_wrap=True)
    for step in result.migrations:
        out.print(f"  migration {escape(step)}", soft_wrap=True)
    err = _stderr()
    for name in result.removed_modified:
        err.print(
            f"[yellow]warning:[/] the template removed {escape(name)}, which your team had "
            "modified; its content is still in git (`git show HEAD:" + escape(name) + "`).",
            soft_wrap=True,
        )
    if result.conflicts and not result.dry_run:
        err.print("Resolve the conflict markers, `git add` the files, then commit.")
    elif not result.dry_run:
        out.print("Review with `git diff`, run the tests, then commit.")


def listed_versions(result: VersionsResult, fmt: Format) -> None:
    """Report the versions a template offers."""
    if fmt is Format.json:
        _print_json("versions", result.to_json())
        return
    out = _stdout()
    out.print(f"Template versions of {escape(result.template_src)} (newest first):")
    for note in result.versions:
        mark = "  [bold cyan]<- this project[/]" if note.version == result.project_version else ""
        summary = f"  {escape(note.summary)}" if note.summary else ""
        out.print(f"  v{escape(note.version)}{summary}{mark}", soft_wrap=True)


def diffed(result: DiffResult, fmt: Format) -> None:
    """Report drift from the pristine template."""
    if fmt is Format.json:
        _print_json("diff", result.to_json())
        return
    out = _stdout()
    if not result.drifted:
        out.print(f"No drift: every template file matches template v{result.template_version}.")
    else:
        sys.stdout.write(result.patch)
        _list(out, "Deleted template files", result.deleted, "red")
    if result.added:
        out.print(f"[dim]{len(result.added)} files are not from the template.[/]")


def restored(result: RestoreResult, fmt: Format) -> None:
    """Report restored files."""
    if fmt is Format.json:
        _print_json("restore", result.to_json())
        return
    out = _stdout()
    _list(
        out, f"Restored from template v{escape(result.template_version)}", result.restored, "green"
    )
    out.print("Review with `git diff`, then commit.")


def linked(result: LinkResult, fmt: Format) -> None:
    """Report a linked repository."""
    if fmt is Format.json:
        _print_json("link", result.to_json())
        return
    _stdout().print(
        f"[green]Linked[/] {escape(str(result.path))} to template v{escape(result.template_version)}"
        f" ({escape(result.template_src)}); `mlops-new update` now merges template changes.",
        soft_wrap=True,
    )


def fleet_updated(result: FleetUpdateResult, fmt: Format) -> None:
    """Report a fleet update: one row a repository, then totals."""
    if fmt is Format.json:
        _print_json("fleet update", result.to_json())
        return
    from rich.table import Table  # noqa: PLC0415

    table = Table("repository", "outcome", "versions", "branch", "details")
    colours = {"updated": "green", "conflicted": "red", "failed": "bold red", "skipped": "yellow"}
    for repo in result.repos:
        versions = f"{repo.from_version} -> {repo.to_version}" if repo.to_version else ""
        details = ", ".join(repo.conflicts) or repo.reason
        colour = colours.get(repo.status, "dim")
        table.add_row(
            escape(str(repo.path)),
            f"[{colour}]{repo.status}[/]",
            versions,
            escape(repo.branch),
            escape(details),
        )
    out = _stdout()
    out.print(table)
    totals = ", ".join(
        f"{result.count(status)} {status}"
        for status in ("updated", "conflicted", "up_to_date", "skipped", "failed")
    )
    out.print(f"{len(result.repos)} repositories: {totals}.")


@contextmanager
def progress(total: int, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (nothing when ``quiet``); yields ``tick(done)``."""
    if quiet or total == 0:
        yield lambda _done: None
        return
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(console=_stderr(), transient=True) as bar:
        task = bar.add_task("Checking repositories", total=total)
        yield lambda done: bar.update(task, completed=done)


def fleet_reported(result: FleetReport, fmt: str, output: Path | None) -> None:
    """Print (or write to ``output``) the fleet report in ``fmt``."""
    from mlops_new.fleet_render import to_html, to_markdown  # noqa: PLC0415

    if fmt == "rich" and output is None:
        _fleet_table(result)
        return
    if fmt == "json":
        text = envelope("fleet report", result.to_json()) + "\n"
    elif fmt == "html":
        text = to_html(result)
    else:
        text = to_markdown(result)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        note(f"Wrote the {fmt} report to {output}.")


_FLEET_STYLE = {
    "error": "bold red",
    "outdated": "red",
    "fail": "red",
    "not linked": "dim",
    "pass": "green",
}


def _fleet_table(result: FleetReport) -> None:
    """The fleet as a table that stays readable at 80 columns (long cells wrap, never cut)."""
    from rich.table import Table  # noqa: PLC0415

    rows = result.rows()
    longest = max((len(row.name) + 2 for row in rows), default=12)
    table = Table(expand=False, pad_edge=False)
    table.add_column("repository", ratio=3, overflow="fold", min_width=min(longest, 22))
    table.add_column("version", no_wrap=True)
    table.add_column("behind", justify="right", no_wrap=True)
    table.add_column("policy", no_wrap=True)
    table.add_column("failing checks", ratio=2, overflow="fold", min_width=10)
    for row in rows:
        name = escape(row.name) + (" [yellow]*[/]" if row.dirty else "")
        status = f"[{_FLEET_STYLE.get(row.status, 'dim')}]{escape(row.status)}[/]"
        table.add_row(name, escape(row.version), row.behind, status, escape(row.failing))
    out = _stdout()
    if result.root:
        out.print(f"Repositories under {escape(result.root)}:", overflow="fold")
    out.print(table)
    versions = ", ".join(f"{escape(v)}: {n}" for v, n in result.per_version.items())
    newest = f" Newest template version: {escape(result.newest)}." if result.newest else ""
    out.print(
        f"{len(result.repos)} repositories, {result.failing} failing, {result.errors} "
        f"could not be checked, {result.not_linked} not linked. Versions: {versions}.{newest}"
    )
    if any(row.dirty for row in rows):
        out.print("[yellow]*[/] uncommitted changes")
    if result.common_failures:
        common = ", ".join(f"{c} ({n})" for c, n in result.common_failures)
        out.print(f"Most common failures: {common}.")
