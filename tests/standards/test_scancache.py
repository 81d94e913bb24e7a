"""The scan's cache never hides a change: after every kind of edit git knows, the cached
search finds what a search of every file finds, and searches only what changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mlops_new.standards import Status, run_checks, scan, scancache
from tests.standards.conftest import CONFLICT, Files, make_repo
from tests.support.helpers import git

TOKEN = "ghp_" + "a1B2" * 9


@pytest.fixture(autouse=True)
def _every_repository_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache pays from about 10,000 files; these repositories have a few."""
    monkeypatch.setattr(scancache, "WORTH_IT", 0)


def _searches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...] | None]:
    """Record what each `git grep` is asked for: ``None`` for every tracked file."""
    calls: list[tuple[str, ...] | None] = []
    real = scan.git_grep

    def recording(root: Path, untracked: object = None, *, tracked: object = None) -> object:
        calls.append(None if tracked is None else tuple(tracked))  # type: ignore[arg-type]
        return real(root, untracked, tracked=tracked)  # type: ignore[arg-type]

    monkeypatch.setattr(scan, "git_grep", recording)
    return calls


def _same(root: Path) -> dict[str, list[scan.Hit]] | None:
    """The cached search of ``root``, after checking it equals a search of every file."""
    cached = scan.cached_grep(root, lambda: scan.list_files(root))
    assert cached == scan.git_grep(root)
    return cached


def _tokens(found: dict[str, list[scan.Hit]] | None) -> list[str]:
    return [hit.path for hit in (found or {}).get("token", [])]


STEPS: list[tuple[str, Callable[[Path], object], list[str]]] = [
    (
        "an edit in the work tree",
        lambda r: (r / "b.py").write_text(f"t = '{TOKEN}'\n"),
        ["a.py", "b.py"],
    ),
    ("the edit staged", lambda r: git(r, "add", "b.py"), ["a.py", "b.py"]),
    ("the edit committed", lambda r: git(r, "commit", "-qm", "b"), ["a.py", "b.py"]),
    ("the previous commit checked out", lambda r: git(r, "checkout", "-q", "HEAD~1"), ["a.py"]),
    ("back on the branch", lambda r: git(r, "checkout", "-q", "-"), ["a.py", "b.py"]),
    ("a file deleted, not staged", lambda r: (r / "a.py").unlink(), ["b.py"]),
    ("the deletion undone", lambda r: git(r, "checkout", "--", "a.py"), ["a.py", "b.py"]),
    ("a token removed, touched later", lambda r: (r / "b.py").write_text("t = 1\n"), ["a.py"]),
    ("an amended commit", lambda r: git(r, "commit", "-qam", "amend", "--amend"), ["a.py"]),
    ("the cache file broken", lambda r: _cache_file(r).write_text("{"), ["a.py"]),
]


def _cache_file(root: Path) -> Path:
    (found,) = (root / ".git" / scancache.FOLDER).glob("scan-*.json")
    return found


@pytest.mark.parametrize("upto", range(len(STEPS)), ids=[step[0] for step in STEPS])
def test_the_cached_search_finds_what_a_whole_search_finds(tmp_path: Path, upto: int) -> None:
    root = make_repo(tmp_path / "r", {"a.py": f"t = '{TOKEN}'\n", "b.py": "x = 1\n"})
    git(root, "commit", "-qm", "a")
    assert _tokens(_same(root)) == ["a.py"]
    for _, change, _ in STEPS[:upto]:
        change(root)
        _same(root)
    _, change, expected = STEPS[upto]
    change(root)
    assert _tokens(_same(root)) == expected
    assert _tokens(_same(root)) == expected  # and again, from what that run kept


def test_a_warm_search_reads_only_the_changed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: Files = {f"m{i}.py": "x = 1\n" for i in range(20)}
    files["c.txt"] = CONFLICT
    root = make_repo(tmp_path / "r", files)
    git(root, "commit", "-qm", "a")
    calls = _searches(monkeypatch)
    cold = scan.cached_grep(root, lambda: scan.list_files(root))
    assert calls == [None]  # the first search reads everything
    assert scan.cached_grep(root, lambda: scan.list_files(root)) == cold
    assert calls == [None]  # nothing changed: nothing read
    (root / "m3.py").write_text(f"t = '{TOKEN}'\n")
    warm = scan.cached_grep(root, lambda: scan.list_files(root))
    assert calls == [None, ("m3.py",)]
    assert warm is not None
    assert [hit.path for hit in warm["conflict"]] == ["c.txt", "c.txt"]
    assert _tokens(warm) == ["m3.py"]


def test_the_cache_is_kept_per_folder_and_per_patterns(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"sub/a.py": f"t = '{TOKEN}'\n", "b.py": "x = 1\n"})
    git(root, "commit", "-qm", "a")
    assert _tokens(_same(root / "sub")) == ["a.py"]  # paths relative to the checked folder
    assert _tokens(_same(root)) == ["sub/a.py"]
    assert len(list((root / ".git" / scancache.FOLDER).glob("scan-*.json"))) == 2
    top = scancache.place(root, [scan.PATTERNS, scan.ASSETS])
    other = scancache.place(root, [scan.PATTERNS, ()])
    assert top is not None
    assert other is not None
    assert top.file == other.file
    assert scancache.load(top) is not None
    assert scancache.load(other) is None  # other patterns: searched afresh
    assert _cache_file_mode(top.file) == 0o600  # the hits hold the secrets found


def _cache_file_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_no_commit_no_cache_and_no_cache_asked(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": f"t = '{TOKEN}'\n"})
    assert _tokens(_same(root)) == ["a.py"]  # no commit yet: nothing to key a cache on
    assert not (root / ".git" / scancache.FOLDER).exists()
    git(root, "commit", "-qm", "a")
    (result,) = run_checks(root, select=["SEC004"], cache=False).results
    assert result.status is Status.failed
    assert not (root / ".git" / scancache.FOLDER).exists()
    (result,) = run_checks(root, select=["SEC004"]).results
    assert result.status is Status.failed
    entry = json.loads(_cache_file(root).read_text())
    assert entry["tree"] == git(root, "rev-parse", "HEAD^{tree}").strip()


def test_small_repositories_keep_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scancache, "WORTH_IT", 1_000_000)
    root = make_repo(tmp_path / "r", {"a.py": f"t = '{TOKEN}'\n"})
    git(root, "commit", "-qm", "a")
    assert _tokens(_same(root)) == ["a.py"]
    assert not (root / ".git" / scancache.FOLDER).exists()
    assert scancache.worth_it(root) is False


def test_a_linked_worktree_keeps_its_own_cache(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"sub/a.py": f"t = '{TOKEN}'\n"})
    git(root, "commit", "-qm", "a")
    git(root, "worktree", "add", "-q", str(tmp_path / "w"))
    tree = tmp_path / "w"
    assert scancache.worth_it(tree / "sub")  # found through the worktree's .git file
    assert _tokens(_same(tree / "sub")) == ["a.py"]
    (kept,) = (root / ".git" / "worktrees" / "w" / scancache.FOLDER).glob("scan-*.json")
    (tree / "sub" / "a.py").write_text("x = 1\n")
    assert _tokens(_same(tree / "sub")) == []
    assert kept.is_file()


def test_a_cache_the_user_did_not_write_is_not_believed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repository handed over with a ``.git`` folder may carry a cache that hides its
    secrets: one not signed with this user's key is searched afresh."""
    from tests.support.isolation import isolate

    root = make_repo(tmp_path / "r", {"a.py": f"t = '{TOKEN}'\n", "b.py": "x = 1\n"})
    git(root, "commit", "-qm", "a")
    assert _tokens(_same(root)) == ["a.py"]
    planted = json.loads(_cache_file(root).read_text())
    planted["hits"] = {}  # what an attacker would leave: no findings
    _cache_file(root).write_text(json.dumps(planted))
    assert _tokens(_same(root)) == ["a.py"]  # the tampered entry is not believed
    assert _tokens(_same(root)) == ["a.py"]  # and was rewritten, signed
    (tmp_path / "another-home").mkdir()
    isolate(monkeypatch, tmp_path / "another-home")  # another user, another key
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-home" / ".cache"))
    where = scancache.place(root, [scan.PATTERNS, scan.ASSETS])
    assert where is not None
    assert scancache.load(where) is None
