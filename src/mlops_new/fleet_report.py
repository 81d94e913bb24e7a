"""``fleet report``: every repository's template version and standards, in parallel.

The report is computed without copier (the check engine never imports it) and
serialised here as plain strings (JSON is the result's ``to_json``; Markdown for
a CI job summary; one self-contained HTML page for a dashboard).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mlops_new import git
from mlops_new.config import Settings
from mlops_new.errors import MlopsNewError
from mlops_new.results import JsonResult


@dataclass(frozen=True)
class RepoReport(JsonResult):
    """One repository in the fleet report."""

    path: Path
    template_src: str = ""
    version: str = ""
    latest: str = ""
    behind: int | None = None
    dirty: bool = False
    ok: bool = False
    outdated: bool = False
    failing: tuple[str, ...] = ()
    waived: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class FleetReport(JsonResult):
    """All repositories, plus totals."""

    repos: tuple[RepoReport, ...]
    _derived = ("per_version", "common_failures", "failing")

    @property
    def per_version(self) -> dict[str, int]:
        counts = Counter(repo.version or "unknown" for repo in self.repos)
        return dict(sorted(counts.items()))

    @property
    def common_failures(self) -> list[tuple[str, int]]:
        return Counter(i for repo in self.repos for i in repo.failing).most_common(10)

    @property
    def failing(self) -> int:
        """Repositories that fail the policy (or could not be checked)."""
        return sum(1 for repo in self.repos if not repo.ok)


def report_one(path: Path, settings: Settings | None = None) -> RepoReport:
    """Check one repository; never raises for the repository's fault."""
    from mlops_new.standards.model import Status  # noqa: PLC0415
    from mlops_new.standards.runner import run_checks  # noqa: PLC0415

    try:
        report = run_checks(path, settings)
    except MlopsNewError as exc:
        return RepoReport(path=path, error=exc.message)
    currency = report.currency
    status = git.run("status", "--porcelain", "--untracked-files=no", cwd=path, check=False)
    return RepoReport(
        path=path,
        template_src=currency.template_src if currency else "",
        version=currency.project_version if currency else "",
        latest=(currency.latest_version or "") if currency else "",
        behind=currency.behind if currency else None,
        dirty=bool(status.stdout.strip()),
        ok=report.ok,
        outdated=report.outdated,
        failing=tuple(r.id for r in report.results if r.status is Status.failed),
        waived=tuple(r.id for r in report.results if r.status is Status.waived),
        error=currency.error if currency else "",
    )


def report_fleet(
    repos: list[Path],
    settings: Settings | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> FleetReport:
    """Report every repository (in ``jobs`` processes), in the order given."""
    tick = progress or (lambda _done: None)
    results: list[RepoReport] = []
    if jobs <= 1 or len(repos) < 8:
        for repo in repos:
            results.append(report_one(repo, settings))
            tick(len(results))
    else:
        chunk = max(1, len(repos) // (jobs * 8))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for result in pool.map(report_one, repos, [settings] * len(repos), chunksize=chunk):
                results.append(result)
                tick(len(results))
    return FleetReport(repos=tuple(results))


def to_markdown(report: FleetReport) -> str:
    """A Markdown report (for a CI job summary)."""
    lines = [
        f"# Fleet report: {len(report.repos)} repositories, {report.failing} failing",
        "",
        "| repository | version | behind | dirty | failing checks | waived |",
        "|---|---|---|---|---|---|",
    ]
    for repo in report.repos:
        behind = "" if repo.behind is None else str(repo.behind)
        failing = repo.error or ", ".join(repo.failing) or "none"
        lines.append(
            f"| {repo.path} | {repo.version or '-'} | {behind} | {'yes' if repo.dirty else 'no'}"
            f" | {failing} | {', '.join(repo.waived)} |"
        )
    lines += ["", "## Versions", ""]
    lines += [f"- {version}: {count}" for version, count in report.per_version.items()]
    lines += ["", "## Most common failures", ""]
    lines += [f"- {check}: {count}" for check, count in report.common_failures] or ["- none"]
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left}th{background:#f3f3f3}tr.fail td.status{color:#b00020;font-weight:bold}
tr.ok td.status{color:#1b7f3b}.totals li{margin:.1rem 0}
"""


def to_html(report: FleetReport) -> str:
    """One self-contained HTML page (no external assets) for a dashboard."""
    rows = []
    for repo in report.repos:
        behind = "" if repo.behind is None else str(repo.behind)
        details = repo.error or ", ".join(repo.failing) or "all pass"
        rows.append(
            f'<tr class="{"ok" if repo.ok else "fail"}"><td>{html.escape(str(repo.path))}</td>'
            f"<td>{html.escape(repo.version or '-')}</td><td>{behind}</td>"
            f"<td>{'yes' if repo.dirty else 'no'}</td>"
            f'<td class="status">{"pass" if repo.ok else "fail"}</td>'
            f"<td>{html.escape(details)}</td><td>{html.escape(', '.join(repo.waived))}</td></tr>"
        )
    versions = "".join(f"<li>{html.escape(v)}: {n}</li>" for v, n in report.per_version.items())
    failures = (
        "".join(f"<li>{html.escape(c)}: {n}</li>" for c, n in report.common_failures)
        or "<li>none</li>"
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>mlops-new fleet report</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Fleet report: {len(report.repos)} repositories, {report.failing} failing</h1>"
        "<table><thead><tr><th>repository</th><th>version</th><th>behind</th><th>dirty</th>"
        "<th>policy</th><th>failing checks</th><th>waived</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        f"<div class=totals><h2>Versions</h2><ul>{versions}</ul>"
        f"<h2>Most common failures</h2><ul>{failures}</ul></div></body></html>\n"
    )
