"""`fleet report --github-org` / `--gitlab-group`: the fleet listed by a forge's API (a stand-in
on 127.0.0.1: pages, rate limits, refusals), cloned shallowly and checked (issue 26)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlops_new.cli._errors import ExitCode
from tests.standards.conftest import ANSWERS, Files, make_repo
from tests.support import forge_api
from tests.support.cli import run_cli
from tests.support.forge_api import Listing
from tests.support.helpers import git


@pytest.fixture
def forge() -> Iterator[str]:
    yield from forge_api.serve()


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Bare repositories to clone: two linked projects, one plain repository."""
    base = tmp_path_factory.mktemp("origins")
    found = {}
    for name, linked in (("churn", True), ("fraud", True), ("notes", False)):
        files: Files = {"README.md": f"# {name}\n"}
        if linked:
            files[".copier-answers.yml"] = ANSWERS
        work = make_repo(base / "work" / name, files)
        git(work, "commit", "--quiet", "-m", "x")
        bare = base / f"{name}.git"
        git(base, "clone", "--quiet", "--bare", str(work), str(bare))
        found[name] = str(bare)
    return found


def _github(origins: dict[str, str], owner: str = "acme") -> list[dict[str, Any]]:
    repos = [
        {"full_name": f"{owner}/{name}", "clone_url": url, "archived": False}
        for name, url in origins.items()
    ]
    repos.append({"full_name": f"{owner}/old", "clone_url": "/nowhere", "archived": True})
    repos.append({"full_name": f"{owner}/gone", "clone_url": "/nowhere/gone.git"})
    return repos


def _report(*args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("fleet", "report", *args, "--format", "json", "--jobs", "2")
    document = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    return result.exit_code, document, result.output


def test_a_github_organisation_is_listed_page_by_page_cloned_and_checked(
    forge: str, origins: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Listing.repos = {"acme": _github(origins)}
    Listing.queued = [
        (429, {"Retry-After": "0"}),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"}),  # a spent limit
        (403, {"Retry-After": "0"}),  # GitHub's secondary rate limit
    ]
    monkeypatch.setenv("GITHUB_TOKEN", "gh-token")
    code, document, output = _report("--github-org", "acme", "--github-url", forge)
    assert code == ExitCode.FLEET_FAILURES, output  # acme/gone cannot be cloned
    rows = {repo["path"]: repo for repo in document["result"]["repos"]}
    assert set(rows) == {"acme/churn", "acme/fraud", "acme/notes", "acme/gone"}  # not archived
    assert rows["acme/churn"]["version"] == "0.1.0"
    assert rows["acme/notes"]["linked"] is False
    assert rows["acme/gone"]["status"] == "error"
    assert "cannot be cloned" in rows["acme/gone"]["error"]
    assert document["result"]["root"] == ""
    # 5 entries at 2 a page: 3 pages, plus the three rate-limited tries waited out
    assert [path for path, _ in Listing.calls] == ["/orgs/acme/repos"] * 6
    assert {token for _, token in Listing.calls} == {"Bearer gh-token"}


def test_a_gitlab_group_with_subgroups(
    forge: str, origins: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Listing.repos = {
        "ml/platform": [
            {"path_with_namespace": "ml/platform/churn", "http_url_to_repo": origins["churn"]},
            {"path_with_namespace": "ml/platform/sub/notes", "http_url_to_repo": origins["notes"]},
        ]
    }
    monkeypatch.setenv("GITLAB_TOKEN", "gl-token")
    code, document, output = _report("--gitlab-group", "ml/platform", "--gitlab-url", forge)
    assert code == ExitCode.FAILED_CHECKS, output
    names = sorted(repo["path"] for repo in document["result"]["repos"])
    assert names == ["ml/platform/churn", "ml/platform/sub/notes"]
    assert Listing.calls == [("/api/v4/groups/ml%2Fplatform/projects", "gl-token")]


def test_the_shards_of_a_hosted_fleet_merge_into_the_whole(
    forge: str, origins: dict[str, str], tmp_path: Path
) -> None:
    Listing.repos = {"acme": _github(origins)}
    _, whole, _ = _report("--github-org", "acme", "--github-url", forge)
    files = []
    for k in (1, 2):
        out = tmp_path / f"shard-{k}.json"
        run_cli("fleet", "report", "--github-org", "acme", "--github-url", forge,
                "--shard", f"{k}/2", "--format", "json", "-o", str(out))  # fmt: skip
        files.append(str(out))
    merged = json.loads(run_cli("fleet", "merge", *files, "--format", "json").stdout)
    drop = {"generated"}
    assert {k: v for k, v in merged["result"].items() if k not in drop} == {
        k: v for k, v in whole["result"].items() if k not in drop
    }


@pytest.mark.parametrize(
    ("queued", "next_host", "words"),
    [
        ([(404, {})], "", "was not found"),
        ([(401, {})], "", "refused to list"),
        ([(429, {"Retry-After": "3600"})], "", "rate limit is spent"),
        ([(302, {"Location": "http://evil.test/"})], "", "refused to list"),
        ([], "http://evil.test", "another host"),
    ],
    ids=["missing", "unauthorised", "rate-limited", "redirect", "next-page-elsewhere"],
)
def test_a_listing_that_fails_is_one_clear_error(
    forge: str,
    origins: dict[str, str],
    queued: list[tuple[int, dict[str, str]]],
    next_host: str,
    words: str,
) -> None:
    Listing.repos = {"acme": _github(origins)}
    Listing.queued, Listing.next_host = list(queued), next_host
    code, _, output = _report("--github-org", "acme", "--github-url", forge)
    assert code == ExitCode.USER_ERROR, output
    assert words in output
    assert "GitHub organisation 'acme'" in output
    assert "Traceback" not in output
    assert all(path.startswith("/orgs/") for path, _ in Listing.calls)  # nothing else fetched


def test_an_empty_organisation_and_two_places_are_refused(forge: str, tmp_path: Path) -> None:
    Listing.repos = {"empty": []}
    code, _, output = _report("--github-org", "empty", "--github-url", forge)
    assert code == ExitCode.USER_ERROR
    assert "has no repositories this token can see" in output
    code, _, output = _report(str(tmp_path), "--github-org", "acme")
    assert code == ExitCode.USER_ERROR
    assert "ROOT and --github-org both say where the fleet is" in output


def test_a_hostile_listing_clones_nothing_outside_and_runs_no_option(
    forge: str, origins: dict[str, str], tmp_path: Path
) -> None:
    """A forge path that climbs out of the clone folder, or a clone URL that reads as an
    option to git, is one error row; nothing is written or run."""
    marker = tmp_path / "ran"
    Listing.repos = {
        "acme": [
            {"full_name": "acme/churn", "clone_url": origins["churn"]},
            {"full_name": "acme/../../escape", "clone_url": origins["notes"]},
            {"full_name": "acme/opt", "clone_url": f"--upload-pack=touch {marker}"},
        ]
    }
    code, document, output = _report("--github-org", "acme", "--github-url", forge)
    assert code == ExitCode.FLEET_FAILURES, output
    rows = {repo["path"]: repo for repo in document["result"]["repos"]}
    assert "not a safe folder name" in rows["acme/../../escape"]["error"]
    assert "reads as an option" in rows["acme/opt"]["error"]
    assert rows["acme/churn"]["status"] != "error"
    assert not marker.exists()
