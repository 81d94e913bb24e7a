"""``fleet report``: every repository's template version and standards, in parallel.

The report is computed without copier (the check engine never imports it).
Each repository is isolated: one that cannot be read, or that trips a bug,
becomes one error row, and the run always finishes with a report naming every
other repository.  :mod:`mlops_new.fleet.render` turns the result into
Markdown and a self-contained HTML dashboard; the CLI renders the rich table
from the same :class:`FleetRow` model.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlops_new.core import git, semver
from mlops_new.core.errors import MlopsNewError
from mlops_new.core.results import JsonResult
from mlops_new.inputs.answers import ANSWERS_FILE
from mlops_new.inputs.settings import Settings
from mlops_new.standards.model import severity_rank


@dataclass(frozen=True)
class Failure:
    """One failing check of one repository."""

    id: str
    title: str
    severity: str
    message: str = ""
    path: str = ""
    line: int = 0
    required: bool = True


@dataclass(frozen=True)
class RepoReport(JsonResult):
    """One repository in the fleet report."""

    path: Path
    linked: bool = True
    """Whether the repository has an answers file (``False``: "not linked")."""
    remote: str = ""
    """A browsable https URL of the repository (from its ``origin`` remote), when known."""
    template_src: str = ""
    version: str = ""
    latest: str = ""
    behind: int | None = None
    dirty: bool = False
    ok: bool = False
    outdated: bool = False
    policy: str = ""
    failures: tuple[Failure, ...] = ()
    waived: tuple[str, ...] = ()
    error: str = ""

    _derived = ("failing", "status")

    @property
    def failing(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.failures)

    @property
    def status(self) -> str:
        """``error``, ``outdated``, ``fail``, ``not linked`` or ``pass``."""
        if self.error and not self.failures and not self.ok:
            return "error"
        if self.outdated:
            return "outdated"
        if not self.ok:
            return "fail"
        return "pass" if self.linked else "not linked"

    def rank(self) -> tuple[int, int, int, int, str]:
        """Sort key: worst first (errors, policy failures, errors by severity, versions behind)."""
        worst = min((severity_rank(f.severity) for f in self.failures), default=3)
        order = ["error", "outdated", "fail", "not linked", "pass"].index(self.status)
        return (order, worst, -len(self.failures), -(self.behind or 0), str(self.path))


@dataclass(frozen=True)
class FleetRow:
    """One repository as every table shows it (rich, Markdown, HTML): text, no markup."""

    name: str
    url: str
    version: str
    behind: str
    dirty: bool
    status: str
    failing: str
    """Failing check ids, errors first, or the error message."""


@dataclass(frozen=True)
class FleetReport(JsonResult):
    """All repositories (worst first), plus totals."""

    repos: tuple[RepoReport, ...]
    root: str = ""
    """The common folder of the repositories (rows name repositories relative to it)."""
    generated: str = field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat("T", "seconds")
    )
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    """``{check id: (title, severity)}`` of every check that fails somewhere."""
    shard: str = ""
    """``K/N`` for one shard's report (``fleet report --shard``), else empty: the whole fleet."""

    _derived = ("per_version", "common_failures", "failing", "newest", "not_linked", "errors")

    @property
    def per_version(self) -> dict[str, int]:
        counts = Counter(repo.version or ("not linked" if not repo.linked else "unknown")
                         for repo in self.repos)  # fmt: skip
        return dict(sorted(counts.items()))

    @property
    def check_counts(self) -> list[tuple[str, int]]:
        """Every failing check with the number of repositories it fails in, most first."""
        return Counter(i for repo in self.repos for i in repo.failing).most_common()

    @property
    def common_failures(self) -> list[tuple[str, int]]:
        return self.check_counts[:10]

    @property
    def failing(self) -> int:
        """Repositories that fail the policy (or could not be checked)."""
        return sum(1 for repo in self.repos if not repo.ok)

    @property
    def errors(self) -> int:
        return sum(1 for repo in self.repos if repo.status == "error")

    @property
    def not_linked(self) -> int:
        return sum(1 for repo in self.repos if not repo.linked)

    @property
    def newest(self) -> str:
        """The newest template version any repository's template offers."""
        found = {r.latest: v for r in self.repos if r.latest and (v := semver.order(r.latest))}
        return max(found, key=lambda latest: found[latest]) if found else ""

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["repos"] = [repo.to_json() for repo in self.repos]
        data["check_counts"] = dict(self.check_counts)
        data["titles"] = {k: {"title": t, "severity": s} for k, (t, s) in self.titles.items()}
        return data

    def name(self, repo: RepoReport) -> str:
        """The repository's path relative to the fleet's root."""
        if self.root:
            try:
                return repo.path.relative_to(self.root).as_posix() or repo.path.name
            except ValueError:
                pass
        return str(repo.path)

    def rows(self) -> list[FleetRow]:
        """The table every format shows, one row a repository, worst first."""
        return [
            FleetRow(
                name=self.name(repo),
                url=repo.remote,
                version=repo.version or ("not linked" if not repo.linked else "-"),
                behind="" if repo.behind is None else str(repo.behind),
                dirty=repo.dirty,
                status=repo.status,
                failing=repo.error
                if repo.status == "error"
                else ", ".join(
                    f.id for f in sorted(repo.failures, key=lambda f: severity_rank(f.severity))
                ),
            )
            for repo in self.repos
        ]


def report_one(path: Path, settings: Settings | None = None) -> RepoReport:
    """Check one repository; never raises, whatever the repository holds."""
    try:
        return _report(path, settings)
    except MlopsNewError as exc:
        return RepoReport(path=path, linked=_linked(path), error=exc.message)
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001  (isolation: one row)
        return RepoReport(
            path=path, linked=_linked(path), error=f"cannot be checked: {type(exc).__name__}: {exc}"
        )


def _linked(path: Path) -> bool:
    return (path / ANSWERS_FILE).is_file()


def _report(path: Path, settings: Settings | None) -> RepoReport:
    from mlops_new.standards.model import Status
    from mlops_new.standards.runner import run_checks

    if not path.is_dir():
        return RepoReport(path=path, linked=False, error="not a folder (moved or deleted?)")
    report = run_checks(path, settings)
    currency = report.currency
    failures = tuple(
        Failure(r.id, r.title, r.severity.value, r.message, r.path, r.line, r.required)
        for r in report.results
        if r.status is Status.failed
    )
    return RepoReport(
        path=path,
        linked=_linked(path),
        remote=remote_url(path),
        template_src=currency.template_src if currency else "",
        version=currency.project_version if currency else "",
        latest=(currency.latest_version or "") if currency else "",
        behind=currency.behind if currency else None,
        dirty=_dirty(path),
        ok=report.ok,
        outdated=report.outdated,
        policy=report.policy,
        failures=failures,
        waived=tuple(r.id for r in report.results if r.status is Status.waived),
        error=currency.error if currency else "",
    )


_REMOTE = re.compile(r'^\s*\[remote\s+"origin"\]\s*$')
_URL = re.compile(r"^\s*url\s*=\s*(\S+)\s*$")


def remote_url(path: Path) -> str:
    """A browsable https URL for the ``origin`` remote in ``.git/config`` (read, not run)."""
    try:
        with (path / ".git" / "config").open(encoding="utf-8", errors="replace") as handle:
            text = handle.read(64 * 1024)
    except OSError:
        return ""
    in_origin = False
    for line in text.splitlines():
        if line.lstrip().startswith("["):
            in_origin = bool(_REMOTE.match(line))
        elif in_origin and (match := _URL.match(line)):
            return browsable(match[1])
    return ""


def browsable(url: str) -> str:
    """``git@host:org/repo.git`` or ``https://user:token@host/org/repo.git`` -> ``https://host/org/repo``."""
    scp = re.match(r"^[\w.-]+@([\w.-]+):(?!/)(.+)$", url)
    if scp:
        host, rest = scp[1], scp[2]
    else:
        full = re.match(r"^(?:https?|ssh|git)://(?:[^@/]*@)?([\w.-]+)(?::\d+)?/(.+)$", url)
        if full is None:
            return ""
        host, rest = full[1], full[2]
    rest = rest.removesuffix("/").removesuffix(".git")
    if not re.fullmatch(r"[\w./~-]+", rest):
        return ""
    return f"https://{host}/{rest}"


def report_fleet(
    repos: list[Path],
    settings: Settings | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    *,
    root: str | None = None,
    shard: str = "",
) -> FleetReport:
    """Report every repository (in ``jobs`` processes), worst first.

    ``root`` and ``shard``: the fleet's root and the shard these repositories are
    (``fleet report --shard``; the root is then the whole fleet's).
    """
    tick = progress or (lambda _done: None)
    results: list[RepoReport] = []
    if jobs > 1 and len(repos) >= 8:
        chunk = max(1, len(repos) // (jobs * 8))
        try:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for result in pool.map(report_one, repos, [settings] * len(repos), chunksize=chunk):
                    results.append(result)
                    tick(len(results))
        except Exception:  # noqa: BLE001, S110  (a worker died: the rest run here, one row each)
            pass
    for repo in repos[len(results) :]:
        results.append(report_one(repo, settings))
        tick(len(results))
    return assemble(repos, results, root=root, shard=shard)


def fleet_root(repos: list[Path]) -> str:
    """The common folder of the repositories (a single one's parent)."""
    if len(repos) == 1:
        return str(repos[0].parent)
    try:
        return os.path.commonpath([str(p) for p in repos]) if repos else ""
    except ValueError:
        return ""


def assemble(
    repos: list[Path], results: list[RepoReport], *, root: str | None = None, shard: str = ""
) -> FleetReport:
    """The report of ``results`` (one per repository of ``repos``), worst first."""
    titles = {f.id: (f.title, f.severity) for r in results for f in r.failures}
    ranked = tuple(sorted(results, key=RepoReport.rank))
    return FleetReport(
        repos=ranked,
        root=fleet_root(repos) if root is None else root,
        titles=dict(sorted(titles.items())),
        shard=shard,
    )


def summary(report: FleetReport) -> dict[str, Any]:
    """The numbers at the top of every format."""
    return {
        "repositories": len(report.repos),
        "failing": report.failing,
        "errors": report.errors,
        "not_linked": report.not_linked,
        "newest": report.newest,
    }


def _dirty(path: Path) -> bool:
    """Uncommitted changes by the one definition (``git.uncommitted``); unknown: not dirty."""
    try:
        return bool(git.uncommitted(path))
    except git.GitError:
        return False
