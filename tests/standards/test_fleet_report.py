"""`fleet report`: isolation, discovery, not-linked repositories, every format (issues 11, 12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from mlops_new.cli._errors import ExitCode
from mlops_new.core.errors import UserError
from mlops_new.fleet.discover import discover
from mlops_new.fleet.report import browsable
from tests.standards.conftest import ANSWERS, Files, make_repo
from tests.support.cli import run_cli
from tests.support.helpers import git

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def fleet(*args: str) -> Result:
    return run_cli("fleet", "report", *args)


def committed(root: Path, files: Files) -> Path:
    make_repo(root, files)
    git(root, "commit", "--quiet", "--allow-empty", "-m", "x")
    return root


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A fleet of ordinary, hostile and half-made repositories."""
    base = tmp_path / "fleet"
    committed(base / "good", {"README.md": "# good\n", "pyproject.toml": '[project]\nname="g"\n'})
    committed(base / "unlinked", {"README.md": "<b>x</b>\n"})
    committed(base / "bomb", {".copier-answers.yml": BOMB, ".github/workflows/ci.yml": BOMB})
    committed(base / "latin1", {".copier-answers.yml": ANSWERS})
    (base / "latin1" / ".mlops-new-policy.toml").write_bytes(b"[policy]\nname = '\xe9'\n")
    committed(
        base / "crash", {"pyproject.toml": "tool = 1\n", "dvc.yaml": "stages:\n  a:\n    outs:\n"}
    )
    staging = base / ".demo.mlops-new-abc123"
    committed(staging, {".copier-answers.yml": ANSWERS})
    (base / "loop").symlink_to(base)
    (base / "escape").symlink_to(tmp_path)
    return base


def test_one_bad_repository_is_one_error_row(hostile: Path) -> None:
    result = fleet(str(hostile), "--format", "json", "--jobs", "1")
    assert result.exit_code == ExitCode.FLEET_FAILURES, result.output
    repos = {Path(r["path"]).name: r for r in json.loads(result.stdout)["result"]["repos"]}
    assert set(repos) == {"good", "unlinked", "bomb", "latin1", "crash"}
    assert repos["latin1"]["status"] == "error"
    assert "UTF-8" in repos["latin1"]["error"]
    assert repos["unlinked"]["linked"] is False
    assert repos["unlinked"]["status"] in {"not linked", "fail"}
    assert repos["crash"]["status"] != "error"
    assert repos["bomb"]["status"] != "error"  # the bomb is refused, the checks go on
    assert "TPL003" in repos["bomb"]["failing"]


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "rich"])
def test_every_format_is_written_whatever_the_fleet_holds(
    hostile: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"report.{fmt}"
    result = fleet(str(hostile), "--format", fmt, "-o", str(out), "--jobs", "2")
    assert result.exit_code == ExitCode.FLEET_FAILURES, result.output
    text = out.read_text(encoding="utf-8")
    for name in ("good", "unlinked", "bomb", "latin1", "crash"):
        assert name in text
    assert "<b>x</b>" not in text


def test_markdown_escapes_html_and_pipes(tmp_path: Path) -> None:
    root = committed(tmp_path / "f" / "<img src=x onerror=alert(1)>|x", {"README.md": "x\n"})
    out = tmp_path / "r.md"
    fleet(str(root.parent), "--format", "markdown", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert "<img" not in text
    row = next(line for line in text.splitlines() if "onerror" in line)
    assert row.count(" | ") == 5  # the repository's pipe does not add a column


def test_a_missing_or_empty_root_is_an_error(tmp_path: Path) -> None:
    missing = fleet(str(tmp_path / "typo"))
    assert missing.exit_code == ExitCode.USER_ERROR
    assert "is not a folder" in missing.output
    (tmp_path / "empty").mkdir()
    empty = fleet(str(tmp_path / "empty"))
    assert empty.exit_code == ExitCode.USER_ERROR
    assert "No repositories" in empty.output


def test_discovery_skips_symlinks_hidden_staging_folders_and_deep_trees(tmp_path: Path) -> None:
    base = tmp_path / "f"
    committed(base / "a", {".copier-answers.yml": ANSWERS})
    committed(base / ".a.mlops-new-x1", {".copier-answers.yml": ANSWERS})
    deep = base / "b"
    deep.mkdir(parents=True)
    for _ in range(300):  # deeper than any walk goes; shallow enough for rmtree
        deep = deep / "d"
        deep.mkdir()
    (base / "up").symlink_to("..")
    (base / "up2").symlink_to("../..")
    assert discover([base]) == [base.resolve() / "a"]
    monorepo = committed(base / "mono", {"svc/.copier-answers.yml": ANSWERS, "README.md": "x\n"})
    found = discover([base], unlinked=True)
    assert monorepo / "svc" in found
    assert monorepo not in found


def test_rows_are_readable_at_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "a-rather-long-folder-name-that-holds-the-organisation-repositories"
    for name in ("churn-model-service", "fraud-detection-pipeline"):
        committed(base / name, {"README.md": "x\n"})
    monkeypatch.setenv("COLUMNS", "80")
    result = fleet(str(base))
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), result.stdout
    assert "churn-model-service" in result.stdout.replace("\n", "").replace("│", "").replace(
        " ", ""
    ) or any("churn" in line for line in lines)
    assert any("fraud" in line for line in lines)


def test_the_dashboard_links_repositories_with_a_known_remote(tmp_path: Path) -> None:
    root = committed(tmp_path / "f" / "svc", {"README.md": "x\n"})
    git(root, "remote", "add", "origin", "git@github.com:acme/svc.git")
    out = tmp_path / "r.html"
    fleet(str(root.parent), "--format", "html", "-o", str(out))
    assert '<a href="https://github.com/acme/svc"' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme/svc.git", "https://github.com/acme/svc"),
        ("https://user:tok@gitlab.com/a/b.git", "https://gitlab.com/a/b"),
        ("ssh://git@host:2222/a/b", "https://host/a/b"),
        ("javascript:alert(1)", ""),
        ("/srv/git/x.git", ""),
        ('https://h/a"onmouseover=x', ""),
    ],
)
def test_only_safe_https_links(url: str, expected: str) -> None:
    assert browsable(url) == expected


def test_a_list_file_with_a_missing_repository_gives_an_error_row(tmp_path: Path) -> None:
    committed(tmp_path / "a", {"README.md": "x\n"})
    listing = tmp_path / "repos.txt"
    listing.write_text("a\ngone\n", encoding="utf-8")
    result = fleet("--list", str(listing), "--format", "json")
    repos = {Path(r["path"]).name: r for r in json.loads(result.stdout)["result"]["repos"]}
    assert repos["gone"]["status"] == "error"
    with pytest.raises(UserError):
        discover([], tmp_path / "nope.txt")


def _edit(repo: Path) -> None:
    (repo / "README.md").write_text("# edited\n")


def _untracked(repo: Path) -> None:
    (repo / "notes.txt").write_text("new\n")


def _ignored(repo: Path) -> None:
    (repo / "run.log").write_text("noise\n")


@pytest.mark.parametrize(
    ("change", "dirty"),
    [(None, False), (_edit, True), (_untracked, True), (_ignored, False)],
    ids=["clean", "edited", "untracked", "ignored"],
)
def test_dirty_means_what_update_refuses(
    tmp_path: Path, change: Callable[[Path], None] | None, dirty: bool
) -> None:
    """One definition of dirty (staged, unstaged or untracked, not ignored): an untracked
    file once left a repository "clean" in the report while `update` refused it."""
    files: Files = {"README.md": "# r\n", ".gitignore": "*.log\n", ".copier-answers.yml": ANSWERS}
    repo = committed(tmp_path / "fleet" / "r", files)
    if change is not None:
        change(repo)
    result = fleet(str(tmp_path / "fleet"), "--format", "json")
    rows = json.loads(result.stdout)["result"]["repos"]
    assert [row["dirty"] for row in rows] == [dirty]
