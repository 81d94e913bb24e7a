"""A :class:`~mlops_new.fleet.report.FleetReport` as Markdown or one self-contained HTML page.

Strings only (the CLI prints or writes them).  Everything that comes from a
repository (paths, messages, URLs) is escaped for the format it lands in:
Markdown gets no raw HTML and no table-breaking pipes, HTML gets no markup,
and links are only ever ``https://`` URLs built from a parsed remote.
"""

from __future__ import annotations

import html
import re

from mlops_new.fleet.report import Failure, FleetReport, FleetRow, RepoReport
from mlops_new.standards.model import Severity, severity_rank

SEVERITIES = tuple(member.value for member in Severity)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")


def md(text: str) -> str:
    """``text`` as inert Markdown inline text (no HTML, no links, no table breaks)."""
    flat = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def code(text: str) -> str:
    """``text`` as a Markdown code span (shown literally; backticks and line breaks dropped)."""
    return "`" + " ".join(text.replace("`", "'").split()) + "`"


def to_markdown(report: FleetReport) -> str:
    """A Markdown report (for a CI job summary): a table with a policy column, then totals."""
    lines = [
        f"# Fleet report: {len(report.repos)} repositories, {report.failing} failing",
        "",
        f"Generated {report.generated}; newest template version: {md(report.newest or '-')}; "
        f"repositories under {code(report.root or '-')}.",
        "",
        "| repository | version | behind | dirty | policy | failing checks |",
        "|---|---|---|---|---|---|",
    ]
    for row in report.rows():
        name = f"[{md(row.name)}]({row.url})" if row.url else md(row.name)
        lines.append(
            f"| {name} | {md(row.version)} | {row.behind} | {'yes' if row.dirty else 'no'}"
            f" | {md(row.status)} | {md(row.failing) or 'none'} |"
        )
    lines += ["", "## Versions", ""]
    lines += [f"- {md(version)}: {count}" for version, count in report.per_version.items()]
    lines += ["", "## Failing checks across the fleet", ""]
    lines += [
        f"- {check} ({report.titles.get(check, ('', ''))[1]}) "
        f"{md(report.titles.get(check, ('', ''))[0])}: {count}"
        for check, count in report.check_counts
    ] or ["- none"]
    return "\n".join(lines) + "\n"


_STYLE = """
:root{--red:#b42318;--amber:#b54708;--green:#067647;--grey:#475467;--line:#eaecf0}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#101828;
background:#f9fafb}main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:var(--grey);margin-bottom:16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid var(--line);
border-radius:8px;padding:12px 16px;min-width:140px}.card b{display:block;font-size:24px}
.card span{color:var(--grey)}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:8px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f2f4f7;font-weight:600;color:#344054}
td.repo,td.ver{white-space:nowrap}
.pill{white-space:nowrap;display:inline-block;border-radius:999px;padding:1px 8px;font-size:12px;
font-weight:600}
.s-error,.s-fail,.s-outdated{background:#fef3f2;color:var(--red)}
.s-warning,.s-behind{background:#fffaeb;color:var(--amber)}
.s-pass,.s-current{background:#ecfdf3;color:var(--green)}
.s-info,.s-not-linked{background:#f2f4f7;color:var(--grey)}
details summary{cursor:pointer;color:#175cd3}details ul{margin:6px 0 0;padding-left:18px}
details li{margin:4px 0}.msg{color:var(--grey);display:block}
a{color:#175cd3;text-decoration:none}a:hover{text-decoration:underline}
.bar{background:#d1e0ff;height:10px;border-radius:4px;display:inline-block}
code{font-family:ui-monospace,monospace;font-size:12px}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _pill(kind: str, text: str | None = None) -> str:
    css = re.sub(r"[^a-z-]", "", kind.replace(" ", "-"))
    return f'<span class="pill s-{css}">{_e(text or kind)}</span>'


def _cards(report: FleetReport) -> str:
    cards = [
        (len(report.repos), "repositories"),
        (report.failing, "failing the policy"),
        (sum(1 for r in report.repos if r.behind), "behind the newest template"),
        (report.not_linked, "not linked to the template"),
        (report.errors, "could not be checked"),
    ]
    items = "".join(
        f"<div class=card><b>{n}</b><span>{_e(label)}</span></div>" for n, label in cards
    )
    return f"<div class=cards>{items}</div>"


def _check_table(report: FleetReport) -> str:
    counts = report.check_counts
    if not counts:
        return "<p>No check fails anywhere.</p>"
    top = counts[0][1]
    rows = []
    for check, count in counts:
        title, severity = report.titles.get(check, ("", "info"))
        width = max(4, 120 * count // top)
        rows.append(
            f"<tr><td><code>{_e(check)}</code></td><td>{_e(title)}</td><td>{_pill(severity)}</td>"
            f'<td>{count} <span class=bar style="width:{width}px"></span></td></tr>'
        )
    return (
        "<table><thead><tr><th>check</th><th>title</th><th>severity</th>"
        f"<th>repositories failing</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _versions(report: FleetReport) -> str:
    newest = report.newest
    items = "".join(
        f"<li>{_e(v)}{' (newest)' if v == newest else ''}: {n}</li>"
        for v, n in report.per_version.items()
    )
    return f"<ul>{items}</ul>"


def _details(repo: RepoReport, *, open_: bool = False) -> str:
    if repo.status == "error":
        return f"<span class=msg>{_e(repo.error)}</span>"
    if not repo.failures:
        waived = f" ({len(repo.waived)} waived)" if repo.waived else ""
        return f"all checks pass{waived}"
    items = "".join(
        f"<li>{_pill(f.severity)} <code>{_e(f.id)}</code> {_e(f.title)}{_place(f)}"
        f"<span class=msg>{_markdown_code(f.message)}</span></li>"
        for f in sorted(repo.failures, key=lambda f: (severity_rank(f.severity), f.id))
    )
    by = {s: sum(1 for f in repo.failures if f.severity == s) for s in SEVERITIES}
    label = ", ".join(f"{n} {s}" for s, n in by.items() if n)
    summary = f"{len(repo.failures)} failing ({label})"
    tag = "<details open>" if open_ else "<details>"
    return f"{tag}<summary>{summary}</summary><ul>{items}</ul></details>"


def _place(failure: Failure) -> str:
    if not failure.path:
        return ""
    line = f":{failure.line}" if failure.line else ""
    return f" <code>{_e(failure.path)}{line}</code>"


def _repo_rows(report: FleetReport) -> str:
    cells = []
    for index, (row, repo) in enumerate(zip(report.rows(), report.repos, strict=True)):
        name = _e(row.name)
        if row.url.startswith("https://"):
            name = f'<a href="{_e(row.url)}" rel="noopener noreferrer">{name}</a>'
        behind = _behind(row)
        dirty = " <span class=msg>uncommitted changes</span>" if row.dirty else ""
        cells.append(
            f"<tr><td class=repo>{name}{dirty}</td>"
            f"<td class=ver>{_e(row.version)}{_source(repo)}</td>"
            f"<td>{behind}</td>"
            f"<td>{_pill(row.status)}</td><td>{_details(repo, open_=index == 0)}</td></tr>"
        )
    return "".join(cells)


def _markdown_code(text: str) -> str:
    """Escaped text with its Markdown code spans as ``<code>`` (after escaping: inert)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _source(repo: RepoReport) -> str:
    """The template's short name under its version (fleets may mix templates)."""
    if not repo.template_src:
        return ""
    name = repo.template_src.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    if repo.template_src == "~/.mlops-new/template":
        name = "mlops-new"
    return f"<span class=msg>{_e(name)}</span>"


def _behind(row: FleetRow) -> str:
    if not row.behind:
        return ""
    if row.behind == "0":
        return _pill("current", "newest")
    return _pill("behind", f"{row.behind} behind")


def to_html(report: FleetReport) -> str:
    """One self-contained HTML page (no scripts, no external assets): a fleet dashboard."""
    title = "mlops-new fleet report"
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<style>{_STYLE}</style></head><body><main>"
        f"<h1>Fleet report: {len(report.repos)} repositories, {report.failing} failing</h1>"
        f"<div class=meta>Generated {_e(report.generated)} · newest template version "
        f"<b>{_e(report.newest or 'unknown')}</b> · root <code>{_e(report.root or '-')}</code>"
        "</div>"
        f"{_cards(report)}"
        "<h2>Repositories (worst first)</h2>"
        "<table><thead><tr><th>repository</th><th>template</th><th>behind</th><th>policy</th>"
        f"<th>failing checks</th></tr></thead><tbody>{_repo_rows(report)}</tbody></table>"
        f"<h2>Failing checks across the fleet</h2>{_check_table(report)}"
        f"<h2>Template versions</h2>{_versions(report)}"
        "</main></body></html>\n"
    )
