"""Many repositories at once: find them, and prepare each one's update on its own branch.

``fleet update`` never touches a team's default branch or checked-out working
tree: each update runs in a temporary ``git worktree`` on a new branch made
from the default branch, is committed there with its report as the message,
and the worktree is removed. Conflicts are committed with their markers on
that branch (never elsewhere): the branch is what a reviewer opens, and the
markers are what they resolve; uncommitted conflicts in a throw-away worktree
would be lost.
"""

from __future__ import annotations

import enum
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_new.core.errors import DirtyProjectError, DowngradeError, MlopsNewError
from mlops_new.core.git import Trust, environment, git, uncommitted
from mlops_new.core.results import JsonResult, UpdateResult
from mlops_new.fleet import gitlab
from mlops_new.fleet.forge import push
from mlops_new.fleet.gitlab import GITLAB_COM, GitLab
from mlops_new.fleet.report import remote_url
from mlops_new.inputs.settings import Settings
from mlops_new.ops import update_report
from mlops_new.ops.update import UpdateOptions, preflight, update_project
from mlops_new.project.model import Project, load, relpath_in_repo


class Outcome(str, enum.Enum):
    """What ``fleet update`` did to one repository (worst last)."""

    updated = "updated"
    up_to_date = "up_to_date"
    skipped = "skipped"
    conflicted = "conflicted"
    failed = "failed"


@dataclass(frozen=True)
class RepoOutcome(JsonResult):
    """What happened to one repository."""

    path: Path
    status: Outcome
    reason: str = ""
    branch: str = ""
    from_version: str = ""
    to_version: str = ""
    conflicts: tuple[str, ...] = ()
    pushed: bool = False
    pull_request: str = ""
    """The pull request's URL, when one was opened."""


@dataclass(frozen=True)
class FleetUpdateResult(JsonResult):
    """Every repository's outcome, in the order they were found."""

    repos: tuple[RepoOutcome, ...]

    def count(self, status: Outcome) -> int:
        return sum(1 for repo in self.repos if repo.status == status)


@dataclass(frozen=True)
class FleetUpdateOptions:
    """How to update a fleet."""

    to: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    branch: str | None = None
    jobs: int = 1
    push: bool = False
    pull_request: bool = False
    """After pushing, open a pull request with the GitHub CLI (``gh``) when it is logged in,
    or a merge request on GitLab (:mod:`mlops_new.fleet.gitlab`)."""
    forge: str = "auto"
    """``github``, ``gitlab``, or ``auto``: GitLab for a repository whose ``origin`` is on
    the GitLab host (``gitlab``), else GitHub."""
    gitlab: GitLab = field(default_factory=lambda: GitLab(GITLAB_COM, ""))
    """The GitLab that merge requests go to, with its token."""
    lock: bool = True
    """Refresh ``uv.lock`` when an update changes ``pyproject.toml`` (bundled template)."""
    settings: Settings = field(default_factory=Settings)
    """Organisation settings, as for ``update`` (locked answers, mlops-new source)."""


def update_fleet(repos: list[Path], options: FleetUpdateOptions) -> FleetUpdateResult:
    """Update every repository on its own branch; continue past failures."""
    if options.jobs <= 1 or len(repos) <= 1:
        outcomes = [update_one(repo, options) for repo in repos]
    else:
        with ProcessPoolExecutor(max_workers=options.jobs) as pool:
            outcomes = list(pool.map(update_one, repos, [options] * len(repos)))
    return FleetUpdateResult(repos=tuple(outcomes))


def update_one(path: Path, options: FleetUpdateOptions) -> RepoOutcome:
    """One repository's update on a new branch (never raises for a repository's fault)."""
    try:
        return _update_on_branch(load(path), options)
    except MlopsNewError as exc:
        return RepoOutcome(path=path, status=Outcome.failed, reason=exc.message)


def _update_on_branch(project: Project, options: FleetUpdateOptions) -> RepoOutcome:
    """``update_project`` in a worktree on a new branch; the branch goes if nothing is left."""
    outcome = RepoOutcome(path=project.path, status=Outcome.skipped, from_version=project.version)
    if uncommitted(project.repo_root):  # the worktree is made from the repository's branch
        return replace(outcome, reason="uncommitted changes in the working tree")
    try:  # update's own checks, before a branch or worktree is made
        target = preflight(project.path, _update_options(options, project)).target
    except DirtyProjectError:
        return replace(outcome, reason="uncommitted changes in the working tree")
    except DowngradeError:
        return replace(outcome, reason=f"already on v{project.version}, newer than v{options.to}")
    branch = options.branch or f"mlops-new/update-v{target.version or target.tag or 'latest'}"
    if git(
        "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}",
        cwd=project.repo_root, check=False,
    ):  # fmt: skip
        return replace(outcome, reason=f"branch {branch} already exists")
    result = _commit_update(project, options, branch)
    if result is None:
        return replace(outcome, status=Outcome.up_to_date, to_version=target.version)
    return _published(
        project, options, branch, replace(outcome, to_version=result.to_version), result
    )


def _update_options(options: FleetUpdateOptions, project: Project) -> UpdateOptions:
    """The ``update`` each repository gets: never prompting, the fleet's answers and settings."""
    return UpdateOptions(
        to=options.to,
        data=options.data,
        defaults=True,
        lock=options.lock,
        settings=options.settings,
        source_folder=project.path,  # a relative _src_path is beside the checkout, not the copy
    )


def _commit_update(
    project: Project, options: FleetUpdateOptions, branch: str
) -> UpdateResult | None:
    """The update committed on ``branch`` (``None``, and no branch, when up to date)."""
    base = default_branch(project.repo_root)
    update = _update_options(options, project)
    try:
        with _branch_worktree(project, branch, base) as copy:
            result = update_project(copy.path, update)
            if not result.up_to_date:
                git("add", "--all", "--", ".", cwd=copy.path)
                message = update_report.commit_message(result)
                git("commit", "--quiet", "--no-verify", "-m", message, cwd=copy.path)
    except BaseException:
        git("branch", "--quiet", "-D", branch, cwd=project.repo_root, check=False)
        raise
    if result.up_to_date:
        git("branch", "--quiet", "-D", branch, cwd=project.repo_root)
        return None
    return result


def _published(
    project: Project,
    options: FleetUpdateOptions,
    branch: str,
    outcome: RepoOutcome,
    result: UpdateResult,
) -> RepoOutcome:
    base = default_branch(project.repo_root)
    pushed = (options.push or options.pull_request) and _push(project.repo_root, branch)
    pr_url, pr_note = "", ""
    if pushed and options.pull_request:
        pr_url, pr_note = _review_request(project.repo_root, branch, base, result, options)
    notes = ("conflict markers committed on the branch" if result.conflicts else "", pr_note)
    return replace(
        outcome,
        status=Outcome.conflicted if result.conflicts else Outcome.updated,
        branch=branch,
        conflicts=result.conflicts,
        pushed=bool(pushed),
        pull_request=pr_url,
        reason="; ".join(text for text in notes if text),
    )


def _review_request(
    repo: Path, branch: str, base: str, result: UpdateResult, options: FleetUpdateOptions
) -> tuple[str, str]:
    """A pull request (GitHub) or merge request (GitLab) of ``branch``: ``(url, note)``."""
    origin = remote_url(repo)  # origin's browsable URL, read from .git/config (no git run)
    project = gitlab.project_path(origin, options.gitlab) if origin else None
    if options.forge == "gitlab" or (options.forge == "auto" and project is not None):
        if project is None:
            return "", (
                f"no merge request: origin ({origin or 'no URL'}) is not on the "
                f"GitLab at {options.gitlab.url} (--gitlab-url)"
            )
        title, body = update_report.title(result), update_report.markdown(result)
        return gitlab.open_merge_request(options.gitlab, project, branch, base, title, body)
    return open_pull_request(repo, branch, base, result)


def open_pull_request(repo: Path, branch: str, base: str, result: UpdateResult) -> tuple[str, str]:
    """Open a pull request with ``gh``; ``(url, "")`` or ``("", why not)``."""
    gh = shutil.which("gh")
    if gh is None:
        return "", "no pull request: the GitHub CLI (gh) is not installed"
    # gh runs git in the repository: hardened as ours, with the user's own credentials.
    env = environment(Trust.REPOSITORY, (repo,))
    if (
        subprocess.run(
            [gh, "auth", "status"], cwd=repo, env=env, capture_output=True, check=False
        ).returncode
        != 0
    ):
        return "", "no pull request: gh is not logged in (gh auth login)"
    title, body = update_report.title(result), update_report.markdown(result)
    proc = subprocess.run(
        [
            gh,
            "pr",
            "create",
            "--head",
            branch,
            "--base",
            base,
            "--title",
            title,
            "--body",
            body,
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return "", f"no pull request: {(proc.stderr.strip().splitlines() or ['gh failed'])[-1]}"
    return proc.stdout.strip().splitlines()[-1], ""


def default_branch(repo: Path) -> str:
    """The remote's default branch if known, else main/master, else the current branch."""
    remote_head = git(
        "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", cwd=repo, check=False
    )
    if remote_head:
        return remote_head.removeprefix("origin/")
    for name in ("main", "master"):
        if git("rev-parse", "--verify", "--quiet", f"refs/heads/{name}", cwd=repo, check=False):
            return name
    return git("symbolic-ref", "--short", "HEAD", cwd=repo)


def _push(repo: Path, branch: str) -> bool:
    return push(repo, "origin", branch)


@dataclass(frozen=True)
class _Worktree:
    path: Path


@contextmanager
def _branch_worktree(project: Project, branch: str, base: str) -> Iterator[_Worktree]:
    tmp = Path(tempfile.mkdtemp(prefix="mlops-new-fleet-"))
    tree = tmp / "worktree"
    git("worktree", "add", "--quiet", "-b", branch, str(tree), base, cwd=project.repo_root)
    try:
        rel = relpath_in_repo(project)
        yield _Worktree(path=tree if rel == "." else tree / rel)
    finally:
        git("worktree", "remove", "--force", str(tree), cwd=project.repo_root, check=False)
        git("worktree", "prune", cwd=project.repo_root, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
