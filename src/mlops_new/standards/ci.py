"""CI: a workflow that runs the tests and the pipeline, with pinned actions and least privilege."""

from __future__ import annotations

import re
from typing import Any

from mlops_new.standards.inputs import Repo, gitlab_includes, mapping, steps
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome
from mlops_new.standards.runners import runs

_SHA = re.compile(r"^[0-9a-f]{40}$")
_TASK = r"(make|just|mise run|poe|devbox run|task|hatch run|pdm run|npm run|duty|invoke|nox -s)"
_RUNS_TESTS = re.compile(
    r"(?<![\w-])(py\.?test|unittest|behave|nose2|ward|tox|hatch test|coverage run"
    rf"|manage\.py test|{_TASK} (unit-?)?tests?)(?![\w-])"
)
_RUNS_PIPELINE = re.compile(r"(?<![\w-])(dvc (repro|exp run)|make (repro|pipeline))(?![\w-])")
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
    """A GitHub Actions workflow that runs on pull requests or pushes to branches (a tag-only
    release workflow does not count), a `.gitlab-ci.yml`, or the CI file of another system:
    a `Jenkinsfile`, `.circleci/config.yml`, `azure-pipelines.yml`, `.travis.yml`,
    `.buildkite/`, `bitbucket-pipelines.yml`, `.drone.yml`, `.woodpecker.yml`, `.prow.yaml`,
    `cloudbuild.yaml` or `.cirrus.yml`. Their `sh`/`run`/`script`/`command` steps are what
    CI002 and CI003 follow.
    """

    applies = "always, unless the project was generated with `ci: none`"
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
        if repo.ci_files and not (repo.github_workflows or repo.gitlab_ci or repo.other_ci):
            return f"No CI file can be parsed: {', '.join(repo.ci_files)}."
        if repo.gitlab_ci or repo.other_ci:
            return True
        if any(_on_changes(wf) for wf in repo.github_workflows.values()):
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
    """Some CI step runs the tests: `pytest`, `py.test`, `python -m pytest`, `unittest`,
    `behave`, `tox`, `hatch test`, or a task or script that does (`just test`, `make check`,
    `mise run test`, `poe test`, `devbox run test`, `pixi run test`, `nox`, `hatch run cov`, `bash
    scripts/test.sh`), followed through Makefiles, justfiles, pyproject tables, task files
    and scripts, and through local composite actions and GitLab `include: local:` files.
    """

    applies = "every repository"
    id = "CI002"
    title = "CI runs the tests"
    requires = ("CI001", "TST001")
    fix = "Add a step that runs `uv run pytest` (or `make test`) to the CI workflow."

    def check(self, repo: Repo) -> Outcome:
        return runs(repo, repo.ci_commands, _RUNS_TESTS) or _remote_jobs(repo) or False

    def path_for(self, repo: Repo) -> str:
        return ci_file(repo)


class CI003(CI):
    """Some CI step runs `dvc repro` or `dvc exp run`, directly or through a task or script (as
    CI002 follows them), so a broken pipeline fails CI.
    """

    applies = "every repository"
    id = "CI003"
    title = "CI reproduces the DVC pipeline"
    requires = ("CI001", "DVC001")
    fix = "Add a step that runs `uv run dvc repro` (then `dvc status`) to the CI workflow."

    def check(self, repo: Repo) -> Outcome:
        return runs(repo, repo.ci_commands, _RUNS_PIPELINE) or _remote_jobs(repo) or False

    def path_for(self, repo: Repo) -> str:
        return ci_file(repo)


class CI004(CI):
    """A tag (`@v4`) can be moved to malicious code; a 40-character commit SHA cannot.
    Workflows, reusable workflows and local composite actions
    (`.github/actions/**/action.yml`) are read; local actions (`./`) pass; `docker://`
    actions need an `@sha256:` digest. GitLab `include:` of another project needs a commit
    SHA as `ref`, remote includes and components a SHA in the URL or version.
    """

    applies = "the repository has GitHub Actions workflows"
    id = "CI004"
    title = "Actions and CI includes are pinned to full commit SHAs"
    fix = (
        "Pin each `uses:` to a 40-character commit SHA with the release as a comment, e.g. "
        "`actions/checkout@<sha> # v4.2.2`, and each GitLab `include: project:` with "
        "`ref: <sha>`; let Dependabot or Renovate update them."
    )

    def check(self, repo: Repo) -> Outcome:
        if not (repo.github_workflows or repo.composite_actions or repo.gitlab_ci):
            return NotApplicable("no GitHub Actions workflow or GitLab CI file")
        loose = [
            (name, uses)
            for name, data in (*repo.github_workflows.items(), *repo.composite_actions.items())
            for uses in _uses(data)
            if not _pinned(uses)
        ]
        loose += [(".gitlab-ci.yml", ref) for ref in _loose_includes(repo.gitlab_ci or {})]
        if not loose:
            return True
        shown = sorted({f"`{uses}` ({name})" for name, uses in loose})
        name, uses = loose[0]
        line = repo.line_of(name, re.escape(uses.split("@")[0]))
        more = f" and {len(shown) - 8} more" if len(shown) > 8 else ""
        return Fail(f"Not pinned: {', '.join(shown[:8])}{more}.", name, line)


class CI005(CI):
    """Each workflow sets top-level `permissions` (e.g. `{}`), and neither it nor a job uses
    `write-all`; jobs grant themselves only what they need.
    """

    applies = "the repository has GitHub Actions workflows"
    id = "CI005"
    title = "Workflows grant least-privilege permissions"
    fix = (
        "Set `permissions: {}` (or `contents: read`) at the top of each workflow and grant "
        "each job only what it needs; never `write-all`."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _github(repo)) is not None:
            return skip
        bad = {
            name: problems
            for name, wf in repo.github_workflows.items()
            if (problems := _permission_problems(name, wf))
        }
        if not bad:
            return True
        name = next(iter(bad))
        line = repo.line_of(name, "write-all") or 1
        return Fail(" ".join(p for problems in bad.values() for p in problems), name, line)


class CI006(CI):
    """`actions/checkout` otherwise leaves the token in `.git/config`, where later steps can
    read it. That matters where the token can get out or do harm: the job uploads an artifact
    (`actions/upload-artifact` of the workspace ships `.git/config`), the workflow runs on
    `pull_request_target` or `workflow_run` (code from outside runs beside it), or the token
    can write (`contents: write`, `write-all`). A checkout in a plain `push`/`pull_request`
    job that publishes nothing passes (a workflow that sets no permissions is CI005's).
    """

    applies = "the repository has GitHub Actions workflows"
    id = "CI006"
    title = "Checkouts that could leak the token do not persist it"
    fix = "Add `with: persist-credentials: false` to every `actions/checkout` step."

    def check(self, repo: Repo) -> Outcome:
        if (skip := _github(repo)) is not None:
            return skip
        bad = sorted(
            {
                name
                for name, workflow in repo.github_workflows.items()
                for job in mapping(workflow.get("jobs")).values()
                if _persists(job) and _exposed(workflow, job)
            }
        )
        if not bad:
            return True
        message = f"Checkout keeps the token in {', '.join(f'`{n}`' for n in bad)}."
        return Fail(message, bad[0], repo.line_of(bad[0], "actions/checkout@"))


def _persists(job: Any) -> bool:
    """Whether a job checks out without ``persist-credentials: false``."""
    return any(
        str(step.get("uses", "")).startswith("actions/checkout@")
        and mapping(step.get("with")).get("persist-credentials") is not False
        for step in steps(job)
    )


def _exposed(workflow: dict[str, Any], job: Any) -> bool:
    """Whether a persisted token could leave the job or do harm (see CI006)."""
    if {"pull_request_target", "workflow_run"} & set(triggers(workflow)):
        return True
    if any(str(s.get("uses", "")).startswith("actions/upload-artifact@") for s in steps(job)):
        return True
    permissions = [mapping(job).get("permissions", workflow.get("permissions"))]
    return any(
        p == _WRITE_ALL
        or (isinstance(p, dict) and any(v == "write" for k, v in p.items() if k != "id-token"))
        for p in permissions
    )  # `id-token: write` mints OIDC tokens; it is not the checkout's token


def _remote_jobs(repo: Repo) -> NotApplicable | None:
    """Skip when GitLab jobs come from includes of other projects, unreadable offline."""
    remote = [i for i in gitlab_includes(repo.gitlab_ci or {}) if "local" not in i]
    if remote and not repo.github_workflows:
        return NotApplicable("the CI jobs come from GitLab includes of other projects")
    return None


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """A workflow's ``on:`` as ``{event: settings}``, whatever shape it was written in."""
    # PyYAML reads the key `on` as the boolean True.
    found = workflow.get("on", workflow.get(True))
    if isinstance(found, str):
        return {found: None}
    if isinstance(found, list):
        return {event: None for event in found if isinstance(event, str)}
    return {str(k): v for k, v in mapping(found).items()}


def _on_changes(workflow: dict[Any, Any]) -> bool:
    """Whether a workflow runs on pull requests or on pushes to branches (not only tags)."""
    events = triggers(workflow)
    if "pull_request" in events or "merge_group" in events:
        return True
    if "push" not in events:
        return False
    push = mapping(events["push"])
    return not ("tags" in push and "branches" not in push)


def _uses(data: dict[str, Any]) -> list[str]:
    """The ``uses:`` of a workflow's jobs and steps, or of a composite action's steps."""
    found = [str(step["uses"]) for step in steps(mapping(data.get("runs"))) if "uses" in step]
    for job in mapping(data.get("jobs")).values():
        if isinstance(job, dict) and isinstance(job.get("uses"), str):
            found.append(job["uses"])  # reusable workflow
        found += [str(step["uses"]) for step in steps(job) if "uses" in step]
    return found


def _loose_includes(gitlab: dict[str, Any]) -> list[str]:
    """GitLab includes of other projects, remote files or components not pinned to a commit."""
    loose: list[str] = []
    for include in gitlab_includes(gitlab):
        if "project" in include and not _SHA.match(str(include.get("ref", ""))):
            loose.append(f"{include['project']}@{include.get('ref', 'HEAD')}")
        elif "remote" in include and not re.search(r"[0-9a-f]{40}", str(include["remote"])):
            loose.append(str(include["remote"]))
        elif "component" in include and not _SHA.match(
            str(include["component"]).rpartition("@")[2]
        ):
            loose.append(str(include["component"]))
    return loose


def _pinned(uses: str) -> bool:
    if uses.startswith("./"):
        return True  # a local action is versioned with the repository
    if uses.startswith("docker://"):
        return "@sha256:" in uses
    _, _, ref = uses.partition("@")
    return bool(_SHA.match(ref))


def _called_only(workflow: dict[Any, Any]) -> bool:
    """A reusable workflow run only by others (``workflow_call``): it gets its caller's token."""
    return list(triggers(workflow)) == ["workflow_call"]


def _permission_problems(name: str, workflow: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    top = workflow.get("permissions")
    jobs = [job for job in mapping(workflow.get("jobs")).values() if isinstance(job, dict)]
    every_job_sets_its_own = bool(jobs) and all("permissions" in job for job in jobs)
    if "permissions" not in workflow and not every_job_sets_its_own and not _called_only(workflow):
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
