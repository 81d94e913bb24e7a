"""`mlops-new fleet update` over a folder of repositories at mixed versions."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from mlops_new.cli._errors import ExitCode
from tests.support.helpers import git
from tests.update.conftest import Cli, commit_all, report

MakeProject = Callable[..., Path]


def _state(repo: Path) -> tuple[str, str, str, str]:
    """What a team sees: current branch, its commit, working tree status, files."""
    files = "".join(
        sorted(
            f"{p.relative_to(repo)}:{p.read_bytes()!r}"
            for p in repo.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(repo).parts
        )
    )
    return (
        git(repo, "branch", "--show-current"),
        git(repo, "rev-parse", "HEAD"),
        git(repo, "status", "--porcelain"),
        files,
    )


@pytest.fixture
def fleet(make_project: MakeProject, tmp_path: Path) -> dict[str, Path]:
    """Five repositories: old clean, old with a team edit, old conflicting, dirty, corrupt."""
    repos = {
        "clean": make_project("0.2.0", "fleet/clean"),
        "edited": make_project("0.1.0", "fleet/edited"),
        "conflicting": make_project("0.1.0", "fleet/conflicting"),
        "dirty": make_project("0.1.0", "fleet/dirty"),
        "corrupt": make_project("0.1.0", "fleet/corrupt"),
        "current": make_project("0.3.0", "fleet/current", "-d", "team=ml"),
    }
    config = repos["edited"] / "config.txt"
    config.write_text(config.read_text().replace("epsilon=5", "epsilon=50"))
    commit_all(repos["edited"])
    config = repos["conflicting"] / "config.txt"
    config.write_text(config.read_text().replace("alpha=1", "alpha=5"))
    commit_all(repos["conflicting"])
    (repos["dirty"] / "config.txt").write_text("wip\n")
    (repos["corrupt"] / ".copier-answers.yml").write_text("not: [valid\n")
    commit_all(repos["corrupt"])
    del tmp_path
    return repos


def test_fleet_update_branches_each_repo_and_leaves_teams_untouched(
    cli: Cli, fleet: dict[str, Path], tmp_path: Path
) -> None:
    before = {name: _state(repo) for name, repo in fleet.items()}
    result = cli("fleet", "update", str(tmp_path / "fleet"), "--to", "0.2.0", "--format", "json")
    assert result.exit_code == ExitCode.FLEET_FAILURES, result.output
    outcomes = {Path(r["path"]).name: r for r in report(result)["repos"]}
    assert outcomes["clean"]["status"] == "up_to_date"
    assert outcomes["edited"]["status"] == "updated"
    assert outcomes["conflicting"]["status"] == "conflicted"
    assert outcomes["conflicting"]["conflicts"] == ["config.txt"]
    assert outcomes["dirty"]["status"] == "skipped"
    assert "uncommitted changes" in outcomes["dirty"]["reason"]
    assert outcomes["corrupt"]["status"] == "failed"
    assert "not valid YAML" in outcomes["corrupt"]["reason"]
    assert outcomes["current"]["status"] == "skipped"  # 0.3.0 > 0.2.0: never downgraded
    for name, repo in fleet.items():
        assert _state(repo) == before[name], f"{name} was touched"
    edited = fleet["edited"]
    branch = "mlops-new/update-v0.2.0"
    assert outcomes["edited"]["branch"] == branch
    assert "epsilon=50" in git(edited, "show", f"{branch}:config.txt")
    assert "alpha=10" in git(edited, "show", f"{branch}:config.txt")
    assert git(edited, "log", "-1", "--format=%s", branch) == "Update template v0.1.0 -> v0.2.0"
    assert git(edited, "rev-parse", f"{branch}~1") == before["edited"][1]
    assert "<<<<<<<" in git(fleet["conflicting"], "show", f"{branch}:config.txt")
    assert not git(fleet["clean"], "branch", "--list", "mlops-new/*")
    assert git(edited, "worktree", "list").count("\n") == 0


def test_fleet_update_pushes_branches_to_origin(
    cli: Cli, make_project: MakeProject, tmp_path: Path
) -> None:
    repo = make_project("0.1.0", "pushy")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "--quiet", "origin", "main")
    result = cli(
        "fleet",
        "update",
        str(repo),
        "--push",
        "--branch",
        "chore/template",
        "-d",
        "team=ml",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    outcome = report(result)["repos"][0]
    assert outcome["pushed"] is True
    assert git(remote, "rev-parse", "chore/template") == git(repo, "rev-parse", "chore/template")
    again = cli(
        "fleet",
        "update",
        str(repo),
        "--branch",
        "chore/template",
        "-d",
        "team=ml",
        "--format",
        "json",
    )
    assert report(again)["repos"][0]["reason"] == "branch chore/template already exists"


def test_fleet_update_in_parallel_and_from_a_list(
    cli: Cli, make_project: MakeProject, tmp_path: Path
) -> None:
    first = make_project("0.1.0", "many/a")
    second = make_project("0.1.0", "many/b")
    listing = tmp_path / "repos.txt"
    listing.write_text("many/a\nmany/b\n")
    result = cli("fleet", "update", "--list", str(listing), "--jobs", "2", "--to", "0.2.0")
    assert result.exit_code == 0, result.output
    assert "2 repositories: 2 updated" in result.stdout
    for repo in (first, second):
        assert git(repo, "branch", "--list", "mlops-new/update-v0.2.0")


def test_fleet_report_lists_versions_dirt_failures_and_totals(
    cli: Cli, fleet: dict[str, Path], tmp_path: Path
) -> None:
    result = cli("fleet", "report", str(tmp_path / "fleet"), "--format", "json", "--jobs", "1")
    assert result.exit_code == ExitCode.FAILED_CHECKS, result.output
    payload = report(result)
    repos = {Path(r["path"]).name: r for r in payload["repos"]}
    assert set(repos) == set(fleet)
    assert repos["clean"]["version"] == "0.2.0"
    assert repos["clean"]["behind"] == 1
    assert repos["edited"]["behind"] == 2
    assert repos["current"]["behind"] == 0
    assert repos["dirty"]["dirty"] is True
    assert repos["clean"]["dirty"] is False
    assert "CI001" in repos["clean"]["failing"]
    assert "not valid YAML" in repos["corrupt"]["error"] or "TPL003" in repos["corrupt"]["failing"]
    assert payload["per_version"]["0.1.0"] == 3
    assert payload["failing"] == len(fleet)
    assert payload["common_failures"][0][1] == len(fleet)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_fleet_report_writes_markdown_and_self_contained_html(
    cli: Cli, fleet: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"report.{fmt}"
    result = cli(
        "fleet", "report", str(tmp_path / "fleet"), "--format", fmt, "-o", str(out), "--jobs", "2"
    )
    assert result.exit_code == ExitCode.FAILED_CHECKS, result.output
    text = out.read_text()
    assert str(fleet["edited"].parent) in text  # the root; rows name repositories under it
    for name in fleet:
        assert name in text
    if fmt == "html":
        assert text.startswith("<!doctype html>")
        assert "<table>" in text
        assert "http://" not in text
        assert "https://" not in text  # no remotes here: no links, no external assets
        assert "<script" not in text
        for words in ("Generated", "newest template version", "worst first", "<details>"):
            assert words in text
    else:
        assert text.startswith("# Fleet report: 6 repositories")
        assert "| policy |" in text


@pytest.mark.parametrize(
    ("gh_script", "expected_url", "expected_reason"),
    [
        (None, "", "the GitHub CLI (gh) is not installed"),
        ('[ "$1" = auth ] && exit 1\n', "", "gh is not logged in"),
        (
            '[ "$1" = pr ] && echo "$@" > "$GH_LOG" && echo https://github.test/o/r/pull/7\n'
            "exit 0\n",
            "https://github.test/o/r/pull/7",
            "",
        ),
    ],
    ids=["no-gh", "logged-out", "opened"],
)
def test_fleet_update_opens_pull_requests_with_gh_when_it_can(
    cli: Cli,
    make_project: MakeProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    gh_script: str | None,
    expected_url: str,
    expected_reason: str,
) -> None:
    import shutil

    repo = make_project("0.1.0", "pr")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    fake_bin = tmp_path.parent / f"bin-{tmp_path.name}"
    fake_bin.mkdir()
    # Everything on PATH but a real `gh` (git's own scripts need sed, sh...).
    for folder in os.environ["PATH"].split(os.pathsep):
        for tool in Path(folder).glob("*") if Path(folder).is_dir() else ():
            if tool.name != "gh" and not (fake_bin / tool.name).exists():
                (fake_bin / tool.name).symlink_to(tool)
    assert shutil.which("git", path=str(fake_bin))
    if gh_script is not None:
        (fake_bin / "gh").write_text("#!/bin/sh\n" + gh_script)
        (fake_bin / "gh").chmod(0o755)
    monkeypatch.setenv("PATH", str(fake_bin))
    monkeypatch.setenv("GH_LOG", str(tmp_path / "gh.log"))
    result = cli(
        "fleet", "update", str(repo), "--pull-request", "--to", "0.2.0", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    outcome = report(result)["repos"][0]
    assert outcome["pushed"] is True
    assert outcome["pull_request"] == expected_url
    assert expected_reason in outcome["reason"]
    if expected_url:
        logged = (tmp_path / "gh.log").read_text()
        assert "--head mlops-new/update-v0.2.0 --base main" in logged
        assert "Update template v0.1.0 -> v0.2.0" in logged
        assert '- `license` = `"MIT"`' in logged  # the body: ops/update_report's Markdown


def test_fleet_update_applies_answers_to_up_to_date_repositories(
    cli: Cli, make_project: MakeProject
) -> None:
    repo = make_project("0.2.0", "current-version")
    result = cli(
        "fleet", "update", str(repo), "--to", "0.2.0", "-d", "component=api", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    outcome = report(result)["repos"][0]
    assert outcome["status"] == "updated", outcome
    assert "component: api" in git(repo, "show", f"{outcome['branch']}:.copier-answers.yml")
    assert git(repo, "show", f"{outcome['branch']}:api.py") == "print('api')"


def test_fleet_update_refuses_a_locked_answer_and_leaves_no_branch(
    cli: Cli, make_project: MakeProject, tmp_path: Path
) -> None:
    repo = make_project("0.1.0", "locked")
    config = tmp_path.parent / "fleet-acme.toml"
    config.write_text('[policy]\nname = "acme"\n[policy.locked]\ncomponent = "none"\n')
    result = cli(
        "fleet", "update", str(repo), "-d", "component=api", "--config", str(config),
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == ExitCode.FLEET_FAILURES, result.output
    outcome = report(result)["repos"][0]
    assert outcome["status"] == "failed"
    assert "acme" in outcome["reason"]
    assert not git(repo, "branch", "--list", "mlops-new/*")
    assert git(repo, "worktree", "list").count("\n") == 0


def _on_gitlab(make_project: MakeProject, tmp_path: Path, origin: str, name: str) -> Path:
    """A repository whose origin names a GitLab project and pushes to a local bare one."""
    repo = make_project("0.1.0", name)
    remote = tmp_path / f"{name}.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(repo, "remote", "add", "origin", origin)
    git(repo, "config", "remote.origin.pushurl", str(remote))
    return repo


def test_fleet_update_opens_and_then_updates_gitlab_merge_requests(
    cli: Cli,
    make_project: MakeProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    gitlab_api: str,
) -> None:
    from tests.support.gitlab_api import Api

    host = gitlab_api.removesuffix("/api/v4")
    repo = _on_gitlab(make_project, tmp_path, f"{host}/team/sub/mr.git", "mr")
    monkeypatch.setenv("GITLAB_TOKEN", "push-token")
    monkeypatch.setenv("GITLAB_URL", host)
    Api.queued = [(429, {"Retry-After": "0"})]  # a rate limit, waited out
    args = ("fleet", "update", str(repo), "--pull-request", "--to", "0.2.0", "--format", "json")
    result = cli(*args)
    assert result.exit_code == 0, result.output
    outcome = report(result)["repos"][0]
    assert outcome["pushed"] is True, outcome
    assert outcome["pull_request"] == "http://gitlab.test/team/sub/mr/-/merge_requests/5"
    assert outcome["reason"] == ""
    assert [(method, path) for method, path, _ in Api.calls] == [
        ("GET", "/api/v4/projects/team%2Fsub%2Fmr/merge_requests"),
        ("GET", "/api/v4/projects/team%2Fsub%2Fmr/merge_requests"),
        ("POST", "/api/v4/projects/team%2Fsub%2Fmr/merge_requests"),
    ]
    fields = Api.calls[2][2]
    assert fields["source_branch"] == ["mlops-new/update-v0.2.0"]
    assert fields["target_branch"] == ["main"]
    assert fields["title"] == ["Update template v0.1.0 -> v0.2.0"]
    assert '- `license` = `"MIT"`' in fields["description"][0]
    again = cli(*args, "--branch", "mlops-new/again")  # the stand-in has the request open
    assert again.exit_code == 0, again.output
    assert [method for method, _, _ in Api.calls[3:]] == ["GET", "PUT"]
    assert Api.calls[4][1].endswith("/merge_requests/5")


class _Refusal(NamedTuple):
    origin: str
    token: str
    queued: list[tuple[int, dict[str, str]]]
    forge: str
    reason: str
    calls: int


@pytest.mark.parametrize(
    "case",
    [
        _Refusal("{host}/team/mr.git", "", [], "auto", "GITLAB_TOKEN is not set", 0),
        _Refusal(
            "https://evil.test/t/mr.git", "push-token", [], "gitlab", "is not on the GitLab", 0
        ),
        _Refusal("{host}/team/mr.git", "push-token", [(401, {})], "auto", "answered 401", 1),
        _Refusal(
            "{host}/team/mr.git",
            "push-token",
            [(302, {"Location": "http://evil.test/steal"})],
            "auto",
            "answered 302",
            1,
        ),
    ],
    ids=["no-token", "origin-elsewhere", "refused", "redirect-not-followed"],
)
def test_a_merge_request_that_cannot_be_opened_is_a_note_and_the_token_stays_home(
    cli: Cli,
    make_project: MakeProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    gitlab_api: str,
    case: _Refusal,
) -> None:
    from tests.support.gitlab_api import Api

    host = gitlab_api.removesuffix("/api/v4")
    repo = _on_gitlab(make_project, tmp_path, case.origin.format(host=host), "mr")
    monkeypatch.setenv("GITLAB_TOKEN", case.token)
    Api.queued = list(case.queued)
    result = cli(
        "fleet", "update", str(repo), "--pull-request", "--to", "0.2.0", "--forge", case.forge,
        "--gitlab-url", host, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    outcome = report(result)["repos"][0]
    assert outcome["pushed"] is True
    assert outcome["pull_request"] == ""
    assert case.reason in outcome["reason"]
    assert len(Api.calls) == case.calls  # nothing sent anywhere else, nothing retried
