"""The renderers of the commands' results: rich for people, the JSON envelope for programs.

The plumbing they share (consoles, escaping, errors, the envelope) is in
:mod:`mlops_new.cli._console`; ``check``'s renderers are in :mod:`mlops_new.cli._check_output`.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_new.cli._console import (
    envelope,
    escape,
    note,
    print_json,
    stderr,
    stdout,
)
from mlops_new.cli._formats import Format, ReportFormat, UpdateFormat

if TYPE_CHECKING:
    from rich.console import Console

    from mlops_new.core.results import (
        CreateResult,
        DiffResult,
        LinkResult,
        QuestionsResult,
        RestoreResult,
        UpdateResult,
        VersionsResult,
    )
    from mlops_new.fleet.report import FleetReport
    from mlops_new.fleet.update import FleetUpdateResult


def created(result: CreateResult, fmt: Format, first_steps: tuple[str, ...] = ()) -> None:
    """Report a created project and the steps that come next.

    ``first_steps`` are the shell's own (put uv on PATH, ``cd`` into the
    project); the rest are the template's, so every template says its own.
    """
    if fmt is Format.json:
        payload = {**result.to_json(), "next_steps": [*first_steps, *result.next_steps]}
        sys.stdout.write(envelope("create", payload) + "\n")
        return
    err = stderr()
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=False)
    out = stdout()
    out.print(
        f"[green]Created[/] [bold]{escape(str(result.path))}[/] from template "
        f"[bold]{escape(result.template_version)}[/] ({escape(result.template_src)})",
        soft_wrap=False,
    )
    out.print("Next steps:")
    for step in (*first_steps, *result.next_steps):
        # soft_wrap: a command is copied as one line, never cut at the terminal's width.
        out.print(f"  {escape(step)}", soft_wrap=True)


def _list(out: Console, title: str, names: tuple[str, ...], style: str) -> None:
    if names:
        out.print(f"[bold]{title}[/] ({len(names)}):")
        for name in names:
            out.print(f"  [{style}]{escape(name)}[/]", soft_wrap=True)


def updated(result: UpdateResult, fmt: UpdateFormat) -> None:
    """Report an update (or a dry run)."""
    if fmt is UpdateFormat.json:
        print_json("update", result.to_json())
        return
    if fmt is UpdateFormat.markdown:
        from mlops_new.ops import update_report

        sys.stdout.write(f"## {update_report.title(result)}\n\n{update_report.markdown(result)}")
        return
    out = stdout()
    if result.up_to_date:
        out.print(
            f"[green]Up to date:[/] {escape(str(result.path))} is on template "
            f"v{escape(result.to_version)}.",
            soft_wrap=True,
        )
        _update_notes(result)
        return
    verb = "Would update" if result.dry_run else "Updated"
    out.print(
        f"[green]{verb}[/] {escape(str(result.path))} from template "
        f"v{escape(result.from_version)} to v{escape(result.to_version)}.",
        soft_wrap=True,
    )
    _list(out, "Changed", result.changed, "yellow")
    _list(out, "Added", result.added, "green")
    _list(out, "Removed", result.removed, "red")
    _list(out, "Renamed", tuple(f"{old} -> {new}" for old, new in result.renamed), "cyan")
    _list(out, "Conflicts", result.conflicts, "bold red")
    for key, value in result.new_answers.items():
        out.print(f"  new question {escape(key)}: {escape(repr(value))}", soft_wrap=True)
    for entry in result.changelog:
        summary = f": {escape(entry.summary)}" if entry.summary else ""
        out.print(f"  v{escape(entry.version)}{summary}", soft_wrap=True)
    for step in result.migrations:
        out.print(f"  migration {escape(step)}", soft_wrap=True)
    if result.relocked:
        out.print("  uv.lock refreshed (pyproject.toml changed)")
    if result.patch:
        out.print(escape(result.patch), soft_wrap=True, end="")
    _update_notes(result)


def _template_messages(err: Console, result: UpdateResult) -> None:
    for message in result.messages:
        err.print(f"[bold]From the template:[/] {escape(message)}", soft_wrap=True)


def _update_notes(result: UpdateResult) -> None:
    err = stderr()
    _template_messages(err, result)
    for name in result.removed_modified:
        err.print(
            f"[yellow]warning:[/] the template removed {escape(name)}, which your team had "
            "modified: it is kept as a conflict; delete it (`git rm`) or keep it (`git add`).",
            soft_wrap=True,
        )
    for name in result.skipped:
        err.print(
            f"[yellow]note:[/] {escape(name)} stays deleted; the template changed it "
            "(`mlops-new restore` brings the new version back).",
            soft_wrap=True,
        )
    for name in result.excluded:
        err.print(f"[dim]excluded (the project owns it): {escape(name)}[/]", soft_wrap=True)
    for path, pin, kept, dropped in result.reconciled:
        err.print(
            f"[dim]reconciled {escape(path)}: {escape(pin)} {escape(kept)} "
            f"(both sides bumped it; {escape(dropped)} dropped)[/]",
            soft_wrap=True,
        )
    for name in result.ignored:
        err.print(f"[dim]git-ignored file merged on disk: {escape(name)}[/]", soft_wrap=True)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    if result.conflicts and not result.dry_run:
        err.print(
            "Resolve the conflict markers, `git add` the files, then commit "
            "(or undo the update with `mlops-new update --abort`)."
        )
    elif result.conflicts:
        err.print("The update would stop on these conflicts.")
    elif not result.dry_run and not result.up_to_date:
        stdout().print("Review with `git diff`, run the tests, then commit.")


def resumed(result: UpdateResult, fmt: UpdateFormat, *, aborted: bool) -> None:
    """Report ``update --abort`` or ``update --continue``."""
    if fmt is UpdateFormat.json:
        print_json("update", {**result.to_json(), "aborted": aborted})
        return
    if aborted:
        stdout().print(
            f"[green]Aborted the update:[/] {escape(str(result.path))} is back at its last "
            f"commit (template v{escape(result.to_version)})"
            + (", except what changed since the update started:" if result.warnings else "."),
            soft_wrap=True,
        )
        for warning in result.warnings:
            stdout().print(f"  [yellow]{escape(warning)}[/]", soft_wrap=True)
        return
    updated(result, fmt)


def listed_versions(result: VersionsResult, fmt: Format) -> None:
    """Report the versions a template offers."""
    if fmt is Format.json:
        print_json("versions", result.to_json())
        return
    out = stdout()
    out.print(f"Template versions of {escape(result.template_src)} (newest first):")
    for entry in result.versions:
        mark = "  [bold cyan]<- this project[/]" if entry.version == result.project_version else ""
        summary = f"  {escape(entry.summary)}" if entry.summary else ""
        out.print(f"  v{escape(entry.version)}{summary}{mark}", soft_wrap=True)


def listed_questions(result: QuestionsResult, fmt: Format) -> None:
    """Report a template's questions: key, choices or type, default, help."""
    if fmt is Format.json:
        print_json("questions", result.to_json())
        return
    out = stdout()
    out.print(
        f"Questions of {escape(result.template_src)} ({escape(result.template_version)}); "
        "answer with -d KEY=VALUE:",
        soft_wrap=False,
    )
    for question in result.questions:
        if question.asked == "derived":
            continue
        default = "" if question.default is None else str(question.default).strip()
        if "{{" in default or "{%" in default:
            default = "(from earlier answers)"
        values = " | ".join(question.choices) or question.type
        out.print(
            f"  [bold]{escape(question.name)}[/] = {escape(default)}  [dim]{escape(values)}[/]"
        )
        note = "" if question.asked == "always" else " (not always asked)"
        for line in textwrap.wrap(question.help + note, width=max(out.width - 6, 40)):
            out.print(f"      {escape(line)}", soft_wrap=True)


def diffed(result: DiffResult, fmt: Format) -> None:
    """Report drift from the pristine template."""
    if fmt is Format.json:
        print_json("diff", result.to_json())
        return
    out = stdout()
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
        print_json("restore", result.to_json())
        return
    out = stdout()
    _list(
        out, f"Restored from template v{escape(result.template_version)}", result.restored, "green"
    )
    out.print("Review with `git diff`, then commit.")


def linked(result: LinkResult, fmt: Format) -> None:
    """Report a linked repository."""
    if fmt is Format.json:
        print_json("link", result.to_json())
        return
    stdout().print(
        f"[green]Linked[/] {escape(str(result.path))} to template v{escape(result.template_version)}"
        f" ({escape(result.template_src)}); `mlops-new update` now merges template changes.",
        soft_wrap=True,
    )


def fleet_updated(result: FleetUpdateResult, fmt: Format) -> None:
    """Report a fleet update: one row a repository, then totals."""
    if fmt is Format.json:
        print_json("fleet update", result.to_json())
        return
    from rich.table import Table

    from mlops_new.fleet.update import Outcome  # lazy: the CLI starts fast

    table = Table("repository", "outcome", "versions", "branch", "details")
    colours = {
        Outcome.updated: "green",
        Outcome.conflicted: "red",
        Outcome.failed: "bold red",
        Outcome.skipped: "yellow",
    }
    for repo in result.repos:
        versions = f"{repo.from_version} -> {repo.to_version}" if repo.to_version else ""
        details = ", ".join(repo.conflicts) or repo.reason
        colour = colours.get(repo.status, "dim")
        table.add_row(
            escape(str(repo.path)),
            f"[{colour}]{repo.status.value}[/]",
            versions,
            escape(repo.branch),
            escape(details),
        )
    out = stdout()
    out.print(table)
    totals = ", ".join(f"{result.count(status)} {status.value}" for status in Outcome)
    out.print(f"{len(result.repos)} repositories: {totals}.")


def fleet_reported(
    result: FleetReport, fmt: ReportFormat, output: Path | None, command: str = "fleet report"
) -> None:
    """Print (or write to ``output``) the fleet report in ``fmt`` (rich into a file: Markdown)."""
    from mlops_new.fleet.render import to_html, to_markdown

    if fmt is ReportFormat.rich and output is None:
        _fleet_table(result)
        return
    if fmt is ReportFormat.json:
        text = envelope(command, result.to_json()) + "\n"
    elif fmt is ReportFormat.html:
        text = to_html(result)
    else:
        text = to_markdown(result)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        note(f"Wrote the {fmt.value} report to {output}.")


_FLEET_STYLE = {
    "error": "bold red",
    "outdated": "red",
    "fail": "red",
    "not linked": "dim",
    "pass": "green",
}


def _fleet_table(result: FleetReport) -> None:
    """The fleet as a table that stays readable at 80 columns (long cells wrap, never cut)."""
    from rich.table import Table

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
    out = stdout()
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
