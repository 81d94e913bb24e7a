"""TPL: the project's template answers and version, against the organisation's policy.

Versions come from :mod:`mlops_new.templates.catalog` (the bundled manifest, or the tags of
another template's git repository), never from copier.
"""

from __future__ import annotations

from mlops_new.core import semver
from mlops_new.core.errors import MlopsNewError
from mlops_new.inputs.answers import ANSWERS_FILE
from mlops_new.project import journal
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, Currency, Fail, NotApplicable, Outcome, Severity
from mlops_new.templates import catalog, store

VERSION_CHECK = "TPL001"
"""The check whose failure means "behind the required version" (its own exit code)."""


def read_currency(repo: Repo) -> Currency | None:
    """How many template versions the project is behind (``None`` if not generated).

    Reading another template's versions can mean the network: only the runner
    (when a policy bounds the version, or the source is the local store) and the
    version check ask (``catalog`` reads a source's tags once per process).
    """
    if not repo.generated:
        return None
    return _currency(str(repo.answer("_src_path")), str(repo.answer("_commit")).removeprefix("v"))


def _currency(src: str, version: str) -> Currency:
    mine = semver.order(version)
    if mine is None:
        return Currency(src, version, None, None, error=f"'{version}' is not a template version.")
    try:
        available = catalog.version_names(src)
    except MlopsNewError as exc:
        return Currency(src, version, None, None, error=exc.message)
    ordered = [(v, found) for v in available if (found := semver.order(v)) is not None]
    if not mine.is_prerelease:  # pre-releases count only for a project that follows them
        ordered = [(v, found) for v, found in ordered if not found.is_prerelease]
    if not ordered:
        return Currency(src, version, None, None, error=f"{src} has no released versions.")
    behind = sum(1 for _, found in ordered if found > mine)
    return Currency(src, version, ordered[0][0], behind)


def wants_currency(repo: Repo) -> bool:
    """Whether a report shows the version currency: cheap (the local store) or required."""
    if not repo.generated:
        return False
    return repo.policy.sets_version or repo.answer("_src_path") == store.STORE_SRC


def _not_generated(repo: Repo) -> NotApplicable | None:
    if not repo.generated:
        return NotApplicable("not generated from a template")
    return None


class Template(Check):
    family = "template"
    path = ANSWERS_FILE


class TPL001(Template):
    """An organisation keeps its projects within reach of the template: security fixes and new
    standards arrive through `mlops-new update`. The project's version is compared with the
    policy's `min_version` and with the newest available version (`max_behind`). Failing it
    exits with code 8, not 7.
    """

    applies = (
        "a policy with `min_version` or `max_behind` (a repository without an answers file "
        "fails it: its version cannot be shown)"
    )
    id = VERSION_CHECK
    severity = Severity.error
    waivable = False
    title = "The template version meets the policy"
    fix = "Update the project with `mlops-new update`, review, test and commit."

    def check(self, repo: Repo) -> Outcome:
        policy = repo.policy
        if not policy.sets_version:
            return NotApplicable("no policy sets a minimum template version")
        if not repo.generated:
            return (
                f"{policy.label} bounds the template version, but there is no "
                f"`{ANSWERS_FILE}` naming one (`_src_path`, `_commit`)."
            )
        currency = read_currency(repo)
        if currency is None or currency.latest_version is None:
            error = currency.error if currency else ""
            return f"The template's versions cannot be read: {error}"
        problem = policy.version_violation(
            currency.project_version, currency.latest_version, currency.behind or 0
        )
        if problem is None:
            return True
        return Fail(problem, ANSWERS_FILE, repo.line_of(ANSWERS_FILE, "^_commit:"))


class TPL002(Template):
    """Locked answers (e.g. `ci = "github"`, `license = "Proprietary"`) are the organisation's
    choices; `create` and `update -d` refuse to change them, and this check flags a project
    whose answers file disagrees.
    """

    applies = "a generated project under a policy with `[policy.locked]` answers"
    id = "TPL002"
    severity = Severity.error
    waivable = False
    title = "The answers respect the policy's locked answers"
    fix = (
        "Re-answer with `mlops-new update -d KEY=VALUE` using the locked value, review and commit."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _not_generated(repo)) is not None:
            return skip
        policy = repo.policy
        if not policy.locked:
            return NotApplicable("no policy locks answers")
        answers = repo.answers or {}
        problems = policy.locked_violations(answers)
        problems += [
            f"The answers do not record `{key}`, which {policy.label} locks (a misspelt key in "
            "the policy, or a question the project's template version does not ask)."
            for key in policy.locked
            if key not in answers
        ]
        if not problems:
            return True
        key = next(iter(policy.locked))
        return Fail(" ".join(problems), ANSWERS_FILE, repo.line_of(ANSWERS_FILE, f"^{key}:"))


class TPL003(Template):
    """Without `_src_path` and `_commit`, `mlops-new update`, `diff` and `restore` cannot find
    the template version the project came from.
    """

    applies = "the repository has a `.copier-answers.yml`"
    id = "TPL003"
    severity = Severity.error
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


class TPL004(Template):
    """An update that stopped on conflicts, or was killed half-way, leaves the project between
    two template versions: files of both, answers of one. `update`, `diff` and `restore` refuse
    to run until it is finished or undone; this check says so before a commit or a review.
    """

    applies = "a git repository holding a generated project"
    id = "TPL004"
    severity = Severity.error
    title = "No template update is left unfinished"
    fix = (
        "Finish it with `mlops-new update --continue` (after resolving any conflicts) or undo "
        "it with `mlops-new update --abort`."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _not_generated(repo)) is not None:
            return skip
        if repo.top is None:
            return NotApplicable("not a git repository")
        dot_git = repo.top / ".git"
        record = journal.read(repo.top, git_dir=dot_git if dot_git.is_dir() else None)
        error = journal.unfinished(repo.top, record) if record is not None else None
        if error is None:
            return True
        message = f"{error.message} {error.hint or ''}".strip()
        return Fail(message, ANSWERS_FILE, repo.line_of(ANSWERS_FILE, "^_commit:"))


CHECKS: tuple[type[Check], ...] = (TPL001, TPL002, TPL003, TPL004)
