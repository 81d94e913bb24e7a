"""`fleet report --shard K/N` and `fleet merge`: a CI matrix's shards give the one report an
unsharded run gives, and a set with a shard missing is refused (issue 26)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlops_new.cli._errors import ExitCode
from mlops_new.fleet.shard import Shard
from tests.standards.conftest import ANSWERS, Files, make_repo
from tests.support.cli import run_cli
from tests.support.helpers import git

COUNT = 3


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve repositories in two groups: linked, unlinked, one that cannot be checked."""
    base = tmp_path_factory.mktemp("fleet")
    for group in ("ml", "data"):
        for index in range(6):
            files: Files = {"README.md": f"# {group}{index}\n"}
            if index % 2:
                files[".copier-answers.yml"] = ANSWERS
            root = make_repo(base / group / f"repo{index}", files)
            git(root, "commit", "--quiet", "-m", "x")
    bad = base / "data" / "repo5" / ".mlops-new-policy.toml"
    bad.write_bytes(b"[policy]\nname = '\xe9'\n")  # not UTF-8: an error row
    return base


def _report(fleet: Path, out: Path, *args: str) -> dict[str, Any]:
    result = run_cli("fleet", "report", str(fleet), "--format", "json", "-o", str(out), *args)
    # 9 with the error row, else 7 (the unlinked repositories fail)
    assert result.exit_code in (ExitCode.FAILED_CHECKS, ExitCode.FLEET_FAILURES), result.output
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def _shards(fleet: Path, folder: Path) -> list[Path]:
    files = [folder / f"shard-{k}.json" for k in range(1, COUNT + 1)]
    for index, file in enumerate(files, 1):
        _report(fleet, file, "--shard", f"{index}/{COUNT}", "--jobs", "1")
    return files


def _without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document["result"].items() if key != "generated"}


def test_the_merged_shards_are_the_unsharded_report(fleet: Path, tmp_path: Path) -> None:
    whole = _report(fleet, tmp_path / "whole.json")
    files = _shards(fleet, tmp_path)
    parts = [json.loads(file.read_text())["result"] for file in files]
    names = [repo["path"] for part in parts for repo in part["repos"]]
    assert sorted(names) == sorted(repo["path"] for repo in whole["result"]["repos"])
    assert len(names) == len(set(names)) == 12  # every repository in exactly one shard
    assert all(part["repos"] for part in parts)  # and each shard has some
    assert {part["root"] for part in parts} == {whole["result"]["root"]}  # the fleet's root
    assert [part["shard"] for part in parts] == [f"{k}/{COUNT}" for k in range(1, COUNT + 1)]
    merged = run_cli("fleet", "merge", *map(str, files), "--format", "json")
    assert merged.exit_code == ExitCode.FLEET_FAILURES, merged.output
    document = json.loads(merged.stdout)
    assert document["command"] == "fleet merge"
    assert _without_time(document) == _without_time(whole)
    assert document["result"]["generated"] == min(part["generated"] for part in parts)
    markdown = run_cli("fleet", "merge", *map(str, reversed(files)), "--format", "markdown")
    assert "data/repo5" in markdown.stdout  # named relative to the fleet's root


def test_a_partial_or_mixed_set_is_refused(fleet: Path, tmp_path: Path) -> None:
    files = _shards(fleet, tmp_path)
    whole = tmp_path / "whole.json"
    _report(fleet, whole)
    for args, words in [
        (files[:2], f"shard 3 of {COUNT} missing"),
        ([*files, files[0]], f"shard 1/{COUNT} twice"),
        ([files[0], whole], "a whole fleet's report"),
        ([whole, whole], "is in both"),
    ]:
        result = run_cli("fleet", "merge", *map(str, args))
        assert result.exit_code == ExitCode.USER_ERROR, result.output
        assert words in result.output
        assert "Traceback" not in result.output
    other = tmp_path / "other.json"
    _report(fleet, other, "--shard", "1/2")
    result = run_cli("fleet", "merge", str(other), *map(str, files[1:]))
    assert result.exit_code == ExitCode.USER_ERROR
    assert "different splits" in result.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{", "not JSON"),
        ('{"command": "check", "result": {}}', "not the JSON of `fleet report"),
        ('{"command": "fleet report", "result": {"repos": 1}}', "not a fleet report"),
    ],
)
def test_a_file_that_is_not_a_fleet_report_is_named(
    tmp_path: Path, content: str, words: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run_cli("fleet", "merge", str(bad))
    assert result.exit_code == ExitCode.USER_ERROR
    assert str(bad) in result.output
    assert words in result.output


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "x", "1/", "/2", "-1/2", "1/2/3"])
def test_a_bad_shard_is_refused(fleet: Path, text: str) -> None:
    result = run_cli("fleet", "report", str(fleet), "--shard", text)
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert f"--shard '{text}'" in result.output
    assert "K/N" in result.output


def test_a_new_repository_moves_no_other() -> None:
    """The shard of a repository depends on its own path only."""
    before = [f"team/repo{i}" for i in range(200)]
    after = [*before, "team/new"]
    for shard in (Shard(k, 10) for k in range(1, 11)):
        assert [p for p in after if shard.holds(p) and p in before] == [
            p for p in before if shard.holds(p)
        ]
    sizes = [sum(Shard(k, 10).holds(p) for p in before) for k in range(1, 11)]
    assert sum(sizes) == 200
    assert min(sizes) >= 10  # spread, not piled into one shard
