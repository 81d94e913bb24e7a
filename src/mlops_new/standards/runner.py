"""Run the selected checks over one repository and return a :class:`CheckReport`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_new.config import Policy, Settings, load_policy_file
from mlops_new.errors import UserError
from mlops_new.standards import (
    ci,
    docker,
    dvc,
    general,
    python,
    security,
    template,
    testing,
    tracking,
)
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, CheckResult, Currency, NotApplicable, Status
from mlops_new.standards.waivers import load_waivers

ALL_CHECKS: tuple[type[Check], ...] = (
    *template.CHECKS,
    *general.CHECKS,
    *python.CHECKS,
    *testing.CHECKS,
    *dvc.CHECKS,
    *ci.CHECKS,
    *tracking.CHECKS,
    *docker.CHECKS,
    *security.CHECKS,
)
"""Every check, prerequisites before the checks that require them."""
BY_ID: dict[str, type[Check]] = {cls.id: cls for cls in ALL_CHECKS}


@dataclass(frozen=True)
class CheckReport:
    """The outcome of ``mlops-new check`` on one repository."""

    path: Path
    results: tuple[CheckResult, ...]
    currency: Currency | None
    policy: str = ""
    warnings: tuple[str, ...] = field(default=())

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        """Failed checks that fail ``check`` (the policy requires them)."""
        return tuple(r for r in self.results if r.status is Status.failed and r.required)

    @property
    def outdated(self) -> bool:
        """The template version is behind what the policy requires."""
        return any(r.id == template.VERSION_CHECK for r in self.failures)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "outdated": self.outdated,
            "policy": self.policy,
            "currency": self.currency.to_json() if self.currency else None,
            "summary": {status.value: self.count(status) for status in Status},
            "results": [r.to_json() for r in self.results],
            "warnings": list(self.warnings),
        }


def parse_ids(values: Iterable[str]) -> tuple[str, ...]:
    """``["CI001,dvc", "SEC"]`` -> ``("CI001", "DVC", "SEC")``, each a known id or family prefix."""
    ids = tuple(
        part.strip().upper() for value in values for part in value.split(",") if part.strip()
    )
    known = {cls.id for cls in ALL_CHECKS}
    for item in ids:
        if not any(check_id.startswith(item) for check_id in known):
            raise UserError(
                f"'{item}' names no check: use ids such as DVC001 or families such as DVC.",
                "See docs/checks.md for the list.",
            )
    return ids


def select_checks(select: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[type[Check]]:
    """The checks ``--select`` keeps and ``--ignore`` drops (ids or family prefixes)."""
    return [
        cls
        for cls in ALL_CHECKS
        if (not select or cls.id.startswith(tuple(select)))
        and not cls.id.startswith(tuple(ignore) or ("\0",))
    ]


def run_checks(
    path: Path,
    settings: Settings | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> CheckReport:
    """Check the repository at ``path`` against the standards and the policy."""
    root = path.expanduser().resolve()
    if not root.is_dir():
        raise UserError(f"'{path}' is not a folder.", "Give the path of a repository to check.")
    policy = (settings or Settings()).policy.merged(load_policy_file(root))
    repo = Repo(root, policy)
    waivers = load_waivers(repo)
    known = {cls.id for cls in ALL_CHECKS}
    warnings = [
        f"pyproject.toml waives {check_id}, which this mlops-new does not know."
        for check_id in waivers
        if check_id not in known
    ]
    done: dict[str, CheckResult] = {}
    chosen = select_checks(parse_ids(select), parse_ids(ignore))
    for cls in chosen:
        evaluate(cls(), repo, done, waivers, policy)
    currency = repo.currency if repo.generated else None
    return CheckReport(
        path=root,
        results=tuple(done[cls.id] for cls in chosen),
        currency=currency,
        policy=policy.label if not policy.empty else "",
        warnings=tuple(warnings),
    )


def evaluate(
    check: Check,
    repo: Repo,
    done: dict[str, CheckResult],
    waivers: dict[str, str],
    policy: Policy,
) -> CheckResult:
    """One check's result (recorded in ``done``): waived, skipped, or its own outcome.

    Prerequisites that were not selected are evaluated too (and recorded, not reported).
    """
    if check.id in done:
        return done[check.id]
    done[check.id] = _evaluate(check, repo, done, waivers, policy)
    return done[check.id]


def _evaluate(
    check: Check,
    repo: Repo,
    done: dict[str, CheckResult],
    waivers: dict[str, str],
    policy: Policy,
) -> CheckResult:

    def result(status: Status, message: str, path: str = "") -> CheckResult:
        return CheckResult(
            id=check.id,
            family=check.family,
            title=check.title,
            status=status,
            message=message,
            url=check.url,
            path=path,
            required=check.family == "template" or policy.requires(check.id),
        )

    if check.id in waivers:
        return result(Status.waived, waivers[check.id])
    unmet = [
        req
        for req in check.requires
        if evaluate(BY_ID[req](), repo, done, waivers, policy).status is not Status.passed
    ]
    if unmet:
        return result(Status.skipped, f"Requires {', '.join(unmet)}.")
    outcome = check.check(repo) if repo.files else NotApplicable("the folder is empty")
    if isinstance(outcome, NotApplicable):
        return result(Status.skipped, f"Does not apply: {outcome.reason}.")
    if outcome is True:
        return result(Status.passed, "")
    detail = outcome if isinstance(outcome, str) and outcome else ""
    message = f"{detail} {check.fix_for(repo)}".strip()
    return result(Status.failed, message, check.path_for(repo))
