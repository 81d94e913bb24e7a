"""Run the selected checks over one repository and return a :class:`CheckReport`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_new.core.errors import UserError
from mlops_new.inputs.settings import ConfigError, Policy, Settings, load_policy_file
from mlops_new.standards import (
    artefacts,
    ci,
    deploy,
    docker,
    dvc,
    general,
    python,
    security,
    template,
    testing,
    tracking,
    workflows,
)
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, CheckResult, Currency, Fail, NotApplicable, Status
from mlops_new.standards.template import read_currency, wants_currency
from mlops_new.standards.waivers import load_waivers

ALL_CHECKS: tuple[type[Check], ...] = (
    *template.CHECKS,
    *general.CHECKS,
    *artefacts.CHECKS,
    *python.CHECKS,
    *testing.CHECKS,
    *dvc.CHECKS,
    *ci.CHECKS,
    *workflows.CHECKS,
    *deploy.CI_CHECKS,
    *tracking.CHECKS,
    *docker.CHECKS,
    *deploy.CHECKS,
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


def validate_policy(policy: Policy) -> None:
    """Refuse a policy that names checks this mlops-new does not have (it would require nothing)."""
    for key, items in (("required", policy.required), ("unwaivable", policy.unwaivable)):
        for item in items:
            if not _names_checks(item):
                raise ConfigError(
                    f"{policy.label}: policy.{key} names '{item}', which is no check or family.",
                    "Use ids such as SEC001 or families such as SEC (see docs/checks.md).",
                )


def _names_checks(item: str) -> bool:
    return item in BY_ID or any(re.fullmatch(f"{item}[0-9]+", check_id) for check_id in BY_ID)


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
    *,
    cache: bool = True,
) -> CheckReport:
    """Check the repository at ``path`` against the standards and the policy.

    ``cache``: the file scan may use and keep its cache in the git folder
    (:mod:`mlops_new.standards.scancache`).
    """
    root = path.expanduser().resolve()
    if root.is_file() or not root.exists():
        raise UserError(f"'{path}' is not a folder.", "Give the path of a repository to check.")
    policy = (settings or Settings()).policy.merged(load_policy_file(root))
    validate_policy(policy)
    repo = Repo(root, policy, cache=cache)
    waivers = load_waivers(repo)
    warnings = _waiver_warnings(waivers, policy)
    waivers = {k: v for k, v in waivers.items() if _waivable(k, policy)}
    done: dict[str, CheckResult] = {}
    chosen = select_checks(parse_ids(select), parse_ids(ignore))
    for cls in chosen:
        evaluate(cls(), repo, done, waivers, policy)
    currency = read_currency(repo) if wants_currency(repo) else None
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

    def result(status: Status, message: str, path: str = "", line: int = 0) -> CheckResult:
        return CheckResult(
            id=check.id,
            family=check.family,
            title=check.title,
            status=status,
            message=message,
            url=check.url,
            path=path,
            line=line,
            severity=check.severity,
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
    if isinstance(outcome, Fail):
        detail, name, line = outcome.message, outcome.path or check.path_for(repo), outcome.line
    else:
        detail = outcome if isinstance(outcome, str) and outcome else ""
        name, line = check.path_for(repo), 0
    message = f"{detail} {check.fix_for(repo)}".strip()
    path, line = locate(repo, name, line)
    return result(Status.failed, message, path, line)


def locate(repo: Repo, name: str, line: int) -> tuple[str, int]:
    """The file a result is about (relative to the repository's root) and its line.

    A result about a file that does not exist (no licence, no CI workflow, no
    tests folder) has no location, ``("", 0)``: its message names what is
    missing, and SARIF and annotations carry no file rather than a wrong one
    (`README.md:1` said nothing about a missing `LICENSE`).
    """
    if name and (name in repo.file_set or (name.startswith("../") and repo.text(name) is not None)):
        return repo.rel(name), max(line, 1)
    return "", 0


def _waivable(check_id: str, policy: Policy) -> bool:
    cls = BY_ID.get(check_id)
    return cls is not None and cls.waivable and not policy.forbids_waiver(check_id)


def _waiver_warnings(waivers: dict[str, str], policy: Policy) -> list[str]:
    warnings: list[str] = []
    for check_id in waivers:
        if check_id not in BY_ID:
            warnings.append(
                f"pyproject.toml waives {check_id}, which this mlops-new does not know."
            )
        elif not _waivable(check_id, policy):
            owner = policy.label if BY_ID[check_id].waivable else "mlops-new"
            warnings.append(
                f"pyproject.toml waives {check_id}, but {owner} does not allow waiving it: "
                "the check runs."
            )
    return warnings
