"""TPL: the project's template answers and version, against the organisation's policy.

Versions come from :mod:`mlops_new.catalog` (the bundled manifest, or the tags of
another template's git repository), never from copier.
"""

from __future__ import annotations

from mlops_new import catalog, versions
from mlops_new.answers import ANSWERS_FILE
from mlops_new.errors import MlopsNewError
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, Currency, NotApplicable, Outcome

VERSION_CHECK = "TPL001"
"""The check whose failure means "behind the required version" (its own exit code)."""


def read_currency(repo: Repo) -> Currency | None:
    """How many template versions the project is behind (``None`` if not generated)."""
    if not repo.generated:
        return None
    src = str(repo.answer("_src_path"))
    version = str(repo.answer("_commit")).removeprefix("v")
    try:
        versions.parse(version)
        available = [note.version for note in catalog.available(src)]
    except MlopsNewError as exc:
        return Currency(src, version, None, None, error=exc.message)
    if not available:
        return Currency(src, version, None, None, error=f"{src} has no released versions.")
    mine = versions.parse(version)
    behind = sum(1 for v in available if versions.parse(v) > mine)
    return Currency(src, version, available[0], behind)


def _not_generated(repo: Repo) -> NotApplicable | None:
    if not repo.generated:
        return NotApplicable("not generated from a template")
    return None


class Template(Check):
    family = "template"
    path = ANSWERS_FILE


class TPL001(Template):
    id = VERSION_CHECK
    title = "The template version meets the policy"
    fix = "Update the project with `mlops-new update`, review, test and commit."

    def check(self, repo: Repo) -> Outcome:
        if (skip := _not_generated(repo)) is not None:
            return skip
        policy = repo.policy
        if not policy.min_version and policy.max_behind is None:
            return NotApplicable("no policy sets a minimum template version")
        currency = repo.currency
        if currency is None or currency.latest_version is None:
            error = currency.error if currency else ""
            return f"The template's versions cannot be read: {error}"
        problem = policy.version_violation(
            currency.project_version, currency.latest_version, currency.behind or 0
        )
        return problem or True


class TPL002(Template):
    id = "TPL002"
    title = "The answers respect the policy's locked answers"
    fix = (
        "Re-answer with `mlops-new update -d KEY=VALUE` using the locked value, review and commit."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _not_generated(repo)) is not None:
            return skip
        if not repo.policy.locked:
            return NotApplicable("no policy locks answers")
        problems = repo.policy.locked_violations(repo.answers or {})
        return " ".join(problems) if problems else True


class TPL003(Template):
    id = "TPL003"
    title = "The template answers file is intact"
    fix = (
        "Restore it from history (`git log -p -- .copier-answers.yml`) or adopt the project "
        "with `mlops-new link`."
    )

    def check(self, repo: Repo) -> Outcome:
        if not repo.has(ANSWERS_FILE):
            return NotApplicable("no template answers file")
        if ANSWERS_FILE in repo.parse_errors:
            return f"`{ANSWERS_FILE}` is not valid YAML: {repo.parse_errors[ANSWERS_FILE]}."
        if not repo.generated:
            return (
                f"`{ANSWERS_FILE}` does not name a template source and version (`_src_path`, "
                "`_commit`)."
            )
        return True


CHECKS: tuple[type[Check], ...] = (TPL001, TPL002, TPL003)
