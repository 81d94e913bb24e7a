"""The one git runner: a repository's configured programs never run through it."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from mlops_new.cli._errors import ExitCode, exit_code_for
from mlops_new.core import errors, git
from mlops_new.inputs.answers import check_src_path
from tests.support.helpers import git as plain_git


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "MARKER"


@pytest.fixture
def hostile_repo(tmp_path: Path, marker: Path) -> Path:
    """A repository whose config names a program for every hook point we know."""
    repo = tmp_path / "repo"
    repo.mkdir()
    plain_git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / ".gitattributes").write_text(
        "*.txt filter=evil diff=evil merge=evil\n", encoding="utf-8"
    )
    (repo / "a.txt").write_text("one\ntwo\nthree\n", encoding="utf-8")
    plain_git(repo, "add", "--all")
    plain_git(repo, "commit", "--quiet", "-m", "base")
    payload = f"touch {marker}"
    (repo / ".git" / "branch.cfg").write_text(
        f'[merge "evil"]\n\tdriver = "{payload}"\n', encoding="utf-8"
    )
    (repo / ".git" / "always.cfg").write_text(
        f'[filter "evil"]\n\tprocess = "{payload}"\n', encoding="utf-8"
    )
    with (repo / ".git" / "config").open("a", encoding="utf-8") as config:
        config.write(
            f'[core]\n\tfsmonitor = "{payload}"\n\thooksPath = hooks\n'
            f'[filter "evil"]\n\tclean = "{payload}; cat"\n\tsmudge = "{payload}; cat"\n'
            "\trequired = true\n"
            f'[diff "evil"]\n\ttextconv = "{payload}; cat"\n\tcommand = "{payload}"\n'
            '[include]\n\tpath = always.cfg\n'
            '[includeIf "onbranch:other"]\n\tpath = branch.cfg\n'
        )  # fmt: skip
    hooks = repo / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "post-commit", "post-checkout", "post-merge"):
        (hooks / hook).write_text(f"#!/bin/sh\n{payload}\n", encoding="utf-8")
        (hooks / hook).chmod(0o755)
    return repo


def test_status_add_diff_show_commit_and_checkout_run_nothing(
    hostile_repo: Path, marker: Path
) -> None:
    (hostile_repo / "a.txt").write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    git.git("status", "--porcelain", cwd=hostile_repo)
    assert "+four" in git.git("diff", cwd=hostile_repo)
    git.git("add", "--all", cwd=hostile_repo)
    git.git("commit", "--quiet", "-m", "edit", cwd=hostile_repo)
    git.git("show", "HEAD", cwd=hostile_repo)
    git.git("log", "-p", cwd=hostile_repo)
    git.git("checkout", "--quiet", "-b", "other", cwd=hostile_repo)
    git.git("checkout", "--quiet", "HEAD~1", "--", "a.txt", cwd=hostile_repo)
    assert not marker.exists()


def test_merge_tree_uses_git_text_merge_not_the_repository_driver(
    hostile_repo: Path, marker: Path
) -> None:
    base = git.git("rev-parse", "HEAD", cwd=hostile_repo)
    for branch, text in (("ours", "ONE\ntwo\nthree\n"), ("theirs", "one\ntwo\nTHREE\n")):
        git.git("checkout", "--quiet", "-b", branch, base, cwd=hostile_repo)
        (hostile_repo / "a.txt").write_text(text, encoding="utf-8")
        git.git("commit", "--quiet", "-am", branch, cwd=hostile_repo)
    git.git("checkout", "--quiet", "-b", "other", cwd=hostile_repo)  # the includeIf holds now
    tree = git.git("merge-tree", "--write-tree", "ours", "theirs", cwd=hostile_repo)
    merged = git.git("show", f"{tree.splitlines()[0]}:a.txt", cwd=hostile_repo)
    assert merged == "ONE\ntwo\nTHREE"
    assert not marker.exists()


def test_a_repository_proxy_command_does_not_run(hostile_repo: Path, marker: Path) -> None:
    proxy = hostile_repo / "proxy.sh"
    proxy.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    proxy.chmod(0o755)
    plain_git(hostile_repo, "config", "core.gitProxy", str(proxy))
    git.run("ls-remote", "--", "git://127.0.0.1:9/x", cwd=hostile_repo, check=False)
    assert not marker.exists()


def test_a_plain_git_call_would_run_the_payload(hostile_repo: Path, marker: Path) -> None:
    """The fixture is hostile for real: without the runner, git runs its programs."""
    subprocess.run(["git", "status"], cwd=hostile_repo, capture_output=True, check=False)
    assert marker.exists()


def test_overrides_cover_includes_and_keep_the_users_own_settings(
    hostile_repo: Path, isolated_env: Path
) -> None:
    with (isolated_env / ".gitconfig").open("a", encoding="utf-8") as config:
        config.write('[filter "evil"]\n\tclean = git-lfs clean -- %f\n')
    git._driver_overrides.cache_clear()
    overrides = dict(git.driver_overrides(hostile_repo))
    assert overrides["filter.evil.clean"] == "git-lfs clean -- %f"  # the user's, not the repo's
    assert overrides["filter.evil.smudge"] == ""
    assert overrides["filter.evil.process"] == ""  # from include.path
    assert overrides["filter.evil.required"] == "false"
    assert overrides["diff.evil.textconv"] == "cat"
    assert overrides["merge.evil.driver"].startswith("git merge-file")  # from includeIf


def test_the_users_own_git_config_variables_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.name")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "From Env")
    assert git.git("config", "user.name", cwd=tmp_path) == "From Env"
    assert git.git("config", "core.hooksPath", cwd=tmp_path) == "/dev/null"


@pytest.mark.parametrize(
    "src",
    [
        "--upload-pack=touch /tmp/x",
        "-c",
        "https://host/x\n--upload-pack=y",
        "ssh://host/x y",
        "ext::sh -c touch% /tmp/x",
        "",
        42,
    ],
)
def test_template_sources_that_are_no_path_or_url_are_refused(src: object) -> None:
    with pytest.raises(errors.NotAProjectError):
        check_src_path(src, ".copier-answers.yml")


@pytest.mark.parametrize(
    "src",
    [
        "~/.mlops-new/template",
        "/srv/templates/ml",
        "../ml-template",
        "https://github.com/acme/ml-template.git",
        "gh:acme/ml-template",
        "git@github.com:acme/ml-template.git",
        "ssh://git@example.com/acme/t.git",
    ],
)
def test_paths_and_urls_are_template_sources(src: str) -> None:
    assert check_src_path(src, ".copier-answers.yml") == src


@pytest.mark.parametrize(
    "code", [errno.EROFS, errno.ENOSPC, errno.ENAMETOOLONG, errno.EACCES, errno.ENOENT]
)
def test_file_system_refusals_are_user_errors(code: int) -> None:
    mapped = errors.from_os_error(OSError(code, os.strerror(code), "/some/path"))
    assert mapped is not None
    assert exit_code_for(mapped) is ExitCode.USER_ERROR
    assert "/some/path" in mapped.message


def test_other_os_errors_stay_bugs() -> None:
    assert errors.from_os_error(OSError(errno.EIO, "I/O error")) is None


@pytest.mark.parametrize(
    ("stderr", "code"),
    [
        ("error: unable to write file: No space left on device", ExitCode.USER_ERROR),
        ("fatal: Unable to create '.git/index.lock': Read-only file system", ExitCode.USER_ERROR),
        ("fatal: bad object HEAD", ExitCode.ERROR),
    ],
)
def test_git_failures_caused_by_the_file_system_are_user_errors(
    tmp_path: Path, stderr: str, code: ExitCode
) -> None:
    error = git.failure(("commit",), tmp_path, stderr)
    assert isinstance(error, git.GitError)
    assert exit_code_for(error) is code


def test_a_failing_git_call_in_a_read_only_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    plain_git(tmp_path, "init", "--quiet", str(repo))
    (repo / ".git" / "objects").chmod(0o500)
    (repo / "a.txt").write_text("a\n", encoding="utf-8")
    try:
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        with pytest.raises(git.GitFileSystemError):
            git.git("add", "a.txt", cwd=repo)
    finally:
        (repo / ".git" / "objects").chmod(0o700)
