"""CI: a workflow that runs the tests and the pipeline, with pinned actions and least privilege."""

from __future__ import annotations

import re
from typing import Any

from mlops_new.standards.inputs import Repo, mapping, steps
from mlops_new.standards.model import Check, NotApplicable, Outcome

_SHA = re.compile(r"^[0-9a-f]{40}$")
_RUNS_TESTS = re.compile(r"\b(pytest|make test|tox|nox|hatch test|unittest)\b")
_RUNS_PIPELINE = re.compile(r"\b(dvc repro|dvc exp run|make repro)\b")
_WRITE_ALL = "write-all"


def ci_file(repo: Repo) -> str:
    """The CI file the project's template renders (GitLab when answered so)."""
    return ".gitlab-ci.yml" if repo.answer("ci") == "gitlab" else ".github/workflows/ci.yml"


def _no_ci(repo: Repo) -> NotApplicable | None:
    if repo.answer("ci") == "none":
        return NotApplicable("the project was generated without CI (ci: none)")
    return None


def _github(repo: Repo) -> NotApplicable | None:
    if not repo.github_workflows:
        return NotApplicable("no GitHub Actions workflow")
    return None


class CI(Check):
    family = "ci"


class CI001(CI):
    id = "CI001"
    title = "Has a CI workflow"
    path = ".github/workflows/ci.yml"
    fix = (
        "Add a CI workflow (`.github/workflows/ci.yml` or `.gitlab-ci.yml`) that lints, tests "
        "and runs the pipeline."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_ci(repo)) is not None:
            return skip
        if repo.ci_files and not (repo.github_workflows or repo.gitlab_ci):
            return f"No CI file can be parsed: {', '.join(repo.ci_files)}."
        if repo.gitlab_ci or any(_on_changes(wf) for wf in repo.github_workflows.values()):
            return True
        if repo.github_workflows:
            return "No workflow runs on pull requests or pushes to branches."
        return False

    def fix_for(self, repo: Repo) -> str:
        if repo.generated:
            name = ci_file(repo)
            return f"Bring back the template's workflow with `mlops-new restore {name}`."
        return self.fix

    def path_for(self, repo: Repo) -> str:
        return ci_file(repo)


class CI002(CI):
    id = "CI002"
    title = "CI runs the tests"
    requires = ("CI001", "TST001")
    fix = "Add a step that runs `uv run pytest` (or `make test`) to the CI workflow."

    def check(self, repo: Repo) -> Outcome:
        return any(_RUNS_TESTS.search(cmd) for cmd in repo.ci_commands)

    def path_for(self, repo: Repo) -> str:
        return ci_file(repo)


class CI003(CI):
    id = "CI003"
    title = "CI reproduces the DVC pipeline"
    requires = ("CI001", "DVC001")
    fix = "Add a step that runs `uv run dvc repro` (then `dvc status`) to the CI workflow."

    def check(self, repo: Repo) -> Outcome:
        return any(_RUNS_PIPELINE.search(cmd) for cmd in repo.ci_commands)

    def path_for(self, repo: Repo) -> str:
        return ci_file(repo)


class CI004(CI):
    id = "CI004"
    title = "Actions are pinned to full commit SHAs"
    path = ".github/workflows"
    fix = (
        "Pin each `uses:` to a 40-character commit SHA with the release as a comment, e.g. "
        "`actions/checkout@<sha> # v4.2.2`; let Dependabot update them."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _github(repo)) is not None:
            return skip
        loose = sorted(
            {
                f"`{uses}` ({name})"
                for name, workflow in repo.github_workflows.items()
                for uses in _uses(workflow)
                if not _pinned(uses)
            }
        )
        return f"Not pinned: {', '.join(loose)}." if loose else True


class CI005(CI):
    id = "CI005"
    title = "Workflows grant least-privilege permissions"
    path = ".github/workflows"
    fix = (
        "Set `permissions: {}` (or `contents: read`) at the top of each workflow and grant "
        "each job only what it needs; never `write-all`."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _github(repo)) is not None:
            return skip
        problems = [
            p for name, wf in repo.github_workflows.items() for p in _permission_problems(name, wf)
        ]
        return " ".join(problems) if problems else True


class CI006(CI):
    id = "CI006"
    title = "Checkouts do not persist credentials"
    path = ".github/workflows"
    fix = "Add `with: persist-credentials: false` to every `actions/checkout` step."

    def check(self, repo: Repo) -> Outcome:
        if (skip := _github(repo)) is not None:
            return skip
        bad = sorted(
            {
                name
                for name, workflow in repo.github_workflows.items()
                for job in mapping(workflow.get("jobs")).values()
                for step in steps(job)
                if str(step.get("uses", "")).startswith("actions/checkout@")
                and mapping(step.get("with")).get("persist-credentials") is not False
            }
        )
        return f"Checkout keeps the token in {', '.join(f'`{n}`' for n in bad)}." if bad else True


def _on_changes(workflow: dict[Any, Any]) -> bool:
    """Whether a workflow runs on pull requests or on pushes to branches (not only tags)."""
    # PyYAML reads the key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    if isinstance(triggers, str):
        triggers = [triggers]
    if isinstance(triggers, list):
        return bool({"push", "pull_request", "merge_group"} & set(triggers))
    events = mapping(triggers)
    if "pull_request" in events or "merge_group" in events:
        return True
    if "push" not in events:
        return False
    push = mapping(events["push"])
    return not ("tags" in push and "branches" not in push)


def _uses(workflow: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for job in mapping(workflow.get("jobs")).values():
        if isinstance(job, dict) and isinstance(job.get("uses"), str):
            found.append(job["uses"])  # reusable workflow
        found += [str(step["uses"]) for step in steps(job) if "uses" in step]
    return found


def _pinned(uses: str) -> bool:
    if uses.startswith("./"):
        return True  # a local action is versioned with the repository
    if uses.startswith("docker://"):
        return "@sha256:" in uses
    _, _, ref = uses.partition("@")
    return bool(_SHA.match(ref))


def _permission_problems(name: str, workflow: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    top = workflow.get("permissions")
    if "permissions" not in workflow:
        problems.append(
            f"`{name}` sets no top-level `permissions` (the token gets the repository default)."
        )
    elif top == _WRITE_ALL:
        problems.append(f"`{name}` grants `write-all`.")
    for job_id, job in mapping(workflow.get("jobs")).items():
        if isinstance(job, dict) and job.get("permissions") == _WRITE_ALL:
            problems.append(f"Job `{job_id}` in `{name}` grants `write-all`.")
    return problems


CHECKS: tuple[type[Check], ...] = (CI001, CI002, CI003, CI004, CI005, CI006)
