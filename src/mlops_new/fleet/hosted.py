"""A fleet found on the forge: ``fleet report --github-org ORG`` / ``--gitlab-group GROUP``.

The organisation's (or group's, with its subgroups) repositories are listed
through the forge's API (:mod:`mlops_new.fleet.api`: paginated, rate limits
waited out, the token from the environment and sent to that API only);
archived ones are left out. Each is cloned shallowly (``--depth 1``, no tags,
LFS objects not fetched) into a temporary folder with the user's own git
credentials (hardened as a push is: nothing of the repository's config runs),
checked as ``fleet report`` checks local clones, and the folder removed. A
repository that cannot be cloned is one error row. Rows are named by the
forge's path (``acme/churn``); with ``--shard`` only that shard is cloned.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from mlops_new.core.errors import MlopsNewError, UserError, shown
from mlops_new.core.git import Trust, run
from mlops_new.fleet import api
from mlops_new.fleet.gitlab import GitLab
from mlops_new.fleet.report import FleetReport, RepoReport, assemble, report_fleet
from mlops_new.inputs.settings import Settings

GITHUB_API = "https://api.github.com"


@dataclass(frozen=True)
class HostedRepo:
    """One repository the forge lists."""

    name: str
    """Its path on the forge (``acme/churn``, ``ml/platform/churn``)."""
    clone_url: str


@dataclass(frozen=True)
class Forge:
    """Where the fleet lives: GitHub's organisation or GitLab's group ``owner``."""

    kind: str
    """``github`` or ``gitlab``."""
    owner: str
    api: str
    token: str

    @classmethod
    def github(cls, org: str, url: str | None, env: Mapping[str, str]) -> Forge:
        chosen = url or env.get("GITHUB_API_URL") or GITHUB_API
        token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
        return cls("github", org, chosen.rstrip("/"), token)

    @classmethod
    def gitlab(cls, group: str, gitlab: GitLab) -> Forge:
        return cls("gitlab", group, gitlab.api, gitlab.token)

    @property
    def label(self) -> str:
        what = "organisation" if self.kind == "github" else "group"
        return f"{'GitHub' if self.kind == 'github' else 'GitLab'} {what} '{shown(self.owner, 80)}'"


def listed(forge: Forge) -> list[HostedRepo]:
    """The forge's repositories of ``forge.owner`` (archived ones left out), by name."""
    owner = urllib.parse.quote(forge.owner, safe="")
    if forge.kind == "github":
        url = f"{forge.api}/orgs/{owner}/repos?per_page=100&type=all"
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if forge.token:
            headers["Authorization"] = f"Bearer {forge.token}"
        name, clone = "full_name", "clone_url"
    else:
        query = "include_subgroups=true&archived=false&per_page=100&order_by=path&sort=asc"
        url = f"{forge.api}/groups/{owner}/projects?{query}"
        headers = {"PRIVATE-TOKEN": forge.token} if forge.token else {}
        name, clone = "path_with_namespace", "http_url_to_repo"
    found: dict[str, HostedRepo] = {}
    try:
        for page in api.pages(url, headers):
            for item in page if isinstance(page, list) else []:
                if isinstance(item, dict) and not item.get("archived"):
                    repo = HostedRepo(str(item[name]), str(item[clone]))
                    found.setdefault(repo.name, repo)
    except urllib.error.HTTPError as exc:
        raise _refused(forge, exc) from exc
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(
            f"Cannot list the {forge.label} at {forge.api}: {shown(str(reason), 200)}.",
            "Check the name and the API URL (--github-url / --gitlab-url), then retry.",
        ) from exc
    if not found:
        raise UserError(
            f"The {forge.label} has no repositories this token can see.",
            f"Check the name, or set {_token_names(forge)} to a token that can read it.",
        )
    return sorted(found.values(), key=lambda repo: repo.name)


def _refused(forge: Forge, exc: urllib.error.HTTPError) -> UserError:
    token = _token_names(forge)
    if exc.code == 404:
        return UserError(
            f"The {forge.label} was not found at {forge.api} (404).",
            f"Check the name; a private one needs {token}.",
        )
    if api.rate_limited(exc) is not None:
        return UserError(
            f"The {forge.label} could not be listed: the API's rate limit is spent ({exc.code}).",
            f"Retry later, or set {token} (a token's limit is higher).",
        )
    return UserError(
        f"The API at {forge.api} refused to list the {forge.label} ({exc.code} {exc.reason}).",
        f"Set {token} to a token that can read it.",
    )


def _token_names(forge: Forge) -> str:
    return "GITHUB_TOKEN (or GH_TOKEN)" if forge.kind == "github" else "GITLAB_TOKEN"


_SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def report_hosted(
    repos: list[HostedRepo],
    settings: Settings | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    *,
    shard: str = "",
) -> FleetReport:
    """Clone ``repos`` shallowly, check them as local clones, and name rows by forge path."""
    with tempfile.TemporaryDirectory(prefix="mlops-new-fleet-") as tmp:
        folder = Path(tmp)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            cloned = list(pool.map(lambda repo: _clone(repo, folder), repos))
        paths = [folder / repo.name for repo, error in zip(repos, cloned, strict=True) if not error]
        checked = report_fleet(paths, settings, jobs=jobs, progress=progress, root=tmp)
        failed = [
            RepoReport(path=folder / repo.name, linked=False, error=error)
            for repo, error in zip(repos, cloned, strict=True)
            if error
        ]
        whole = assemble(
            [folder / repo.name for repo in repos], [*checked.repos, *failed], root=tmp
        )
    by_name = {os.fspath(folder / repo.name): repo for repo in repos}
    renamed = [replace(row, path=Path(by_name[os.fspath(row.path)].name)) for row in whole.repos]
    return replace(whole, repos=tuple(renamed), root="", shard=shard)


def _clone(repo: HostedRepo, folder: Path) -> str:
    """Clone ``repo`` into ``folder/<name>``: ``""``, or why it could not be."""
    parts = repo.name.split("/")
    if not all(_SAFE_PART.fullmatch(part) for part in parts):
        return f"cannot be cloned: '{shown(repo.name, 100)}' is not a safe folder name"
    if repo.clone_url.startswith("-"):
        return "cannot be cloned: its clone URL reads as an option"
    target = folder.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    env = {"GIT_LFS_SKIP_SMUDGE": "1"}
    try:
        proc = run(
            "clone", "--quiet", "--depth", "1", "--no-tags", "--single-branch",
            "--", repo.clone_url, os.fspath(target),
            cwd=folder, env=env, check=False, trust=Trust.FORGE,
        )  # fmt: skip
    except (OSError, MlopsNewError) as exc:
        return f"cannot be cloned: {exc}"
    if proc.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["git clone failed"]
        return f"cannot be cloned: {shown(why[-1], 200)}"
    return ""
