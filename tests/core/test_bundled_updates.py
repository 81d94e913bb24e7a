"""The real bundle: published versions are immutable, and every older one updates cleanly."""

from __future__ import annotations

import itertools
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_new.cli import app, route
from mlops_new.engine.planner import Plan
from mlops_new.templates import store
from tests.support.cli import run_cli
from tests.support.isolation import isolate

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "published-template-versions.json"
OLDER = [entry.version for entry in store.manifest()[:-1]]


def test_published_versions_are_still_shipped_unchanged() -> None:
    shipped = {entry.version: entry for entry in store.manifest()}
    for published in json.loads(PUBLISHED.read_text(encoding="utf-8"))["versions"]:
        entry = shipped.get(published["version"])
        assert entry is not None, f"published template v{published['version']} was removed"
        assert (entry.commit, entry.tree) == (published["commit"], published["tree"])


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file()
        and ".git" not in p.relative_to(root).parts
        and p.name != ".copier-answers.yml"
    }


@pytest.fixture(scope="module")
def fresh_newest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files of a fresh render of the newest version named ``old`` (made once, in a HOME
    of its own: every version's test compares with the same render)."""
    where = tmp_path_factory.mktemp("fresh-newest")
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, tmp_path_factory.mktemp("fresh-newest-home"))
        monkeypatch.chdir(where)
        fresh = run_cli("new", "--defaults", "--no-lock", "-d", "project_name=old")
    assert fresh.exit_code == 0, fresh.output
    return _files(where / "new")


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One HOME for this module's update tests: its template store and render cache are built once
    (the renders of a version are the same in every test; none of these tests the store)."""
    return tmp_path_factory.mktemp("sweep-home")


@pytest.mark.parametrize("version", OLDER)
def test_an_unedited_project_updates_to_a_fresh_render_of_the_newest(
    version: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_newest: dict[str, bytes],
    shared_home: Path,
) -> None:
    isolate(monkeypatch, shared_home)  # the fresh render compared with has a HOME of its own
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    made = runner.invoke(app, route(["old", "--ref", version, "--defaults", "--no-lock"]))
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["update", "old", "--defaults", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)["result"]
    assert payload["conflicts"] == []
    assert payload["to_version"] == store.latest().version
    assert _files(tmp_path / "old") == fresh_newest


# -- the merge is a true 3-way merge: a property test over the updates teams make ---------

RELEASES = [entry.version for entry in store.manifest()]
# Every release to the newest (the update `mlops-new update` makes today) and every
# release to the next (a team that updates at each release): every template change is
# merged from every starting point users can be at, and the pairs grow linearly with
# the releases (all pairs grew quadratically: 21 for 7 releases, 11 here).
PAIRS = sorted(
    {(old, RELEASES[-1]) for old in RELEASES[:-1]} | set(itertools.pairwise(RELEASES)),
    key=lambda pair: (RELEASES.index(pair[0]), RELEASES.index(pair[1])),
)
MUTATIONS_PER_PAIR = 70
CHECKOUT = "actions/checkout@"


def _merge_file(ours: bytes, base: bytes, theirs: bytes) -> tuple[bytes, bool]:
    from mlops_new.engine.ignored import merge_file

    return merge_file(ours, base, theirs)


def _mutations(
    base: Path, theirs: Path, rng: random.Random, count: int
) -> list[tuple[str, int, str]]:
    """(file, line, kind): single-line insertions and modifications in files of both renders."""
    names = sorted(
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if p.is_file() and (theirs / p.relative_to(base)).is_file() and p.suffix != ".parquet"
    )
    names = [n for n in names if n != ".copier-answers.yml" and _text(base / n) is not None]
    picked = []
    for _ in range(count):
        name = rng.choice(names)
        lines = len((_text(base / name) or "").splitlines())
        picked.append((name, rng.randrange(max(lines, 1)), rng.choice(["insert", "modify"])))
    return picked


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def _mutate(text: str, line: int, kind: str) -> str:
    lines = text.splitlines(keepends=True)
    if kind == "insert":
        lines.insert(line, f"# team line {line}\n")
    elif lines:
        lines[line] = lines[line].rstrip("\n") + f"  # team edit {line}\n"
    return "".join(lines)


def _pipeline_checkout(text: str) -> str:
    """The CI-job case: ``fetch-depth: 0`` under the checkout of the ``pipeline`` job."""
    lines = text.splitlines(keepends=True)
    job = lines.index("  pipeline:\n")
    step = next(i for i in range(job, len(lines)) if CHECKOUT in lines[i])
    lines[step + 1 : step + 1] = ["        with:\n", "          fetch-depth: 0\n"]
    return "".join(lines)


def _batches(cases: list[tuple[str, int, str]]) -> list[list[tuple[str, int, str]]]:
    """The cases in groups that touch distinct files, each group one commit and one plan.

    A 3-way merge is per file (a content edit renames nothing), so edits to different
    files in one update are merged as they would be one at a time; grouping them makes
    the sweep a handful of plans per pair instead of one per edit.
    """
    batches: list[list[tuple[str, int, str]]] = []
    for case in cases:
        batch = next((b for b in batches if all(case[0] != c[0] for c in b)), None)
        if batch is None:
            batches.append([case])
        else:
            batch.append(case)
    return batches


def _check_one(
    project_dir: Path, plan: Plan, renders: tuple[Path, Path], name: str,
    case: tuple[int, str, str],
) -> None:  # fmt: skip
    """One team edit's file in the plan: placed as ``git merge-file`` places it, or a
    visible conflict where it conflicts, or an equally valid clean merge."""
    from tests.support.helpers import git

    base, theirs = renders
    line, kind, edited = case
    expected, conflict = _merge_file(
        edited.encode(), (base / name).read_bytes(), (theirs / name).read_bytes()
    )
    if conflict and name not in plan.merged.conflicts:
        # merge-file's Myers diff saw the edit touch a change; ort's histogram
        # diff (the update) found a gap between them. Clean only if nothing is
        # lost: the team's line between its neighbours, the template's version
        # around it.
        merged = git(project_dir, "cat-file", "blob", f"{plan.merged.tree}:{name}")
        assert kind == "insert", (kind, name, line)
        _assert_a_clean_merge(merged, edited, (theirs / name).read_text(), line)
    elif conflict:
        assert name in plan.merged.conflicts, (kind, name, line)
    else:
        assert name not in plan.merged.conflicts, (kind, name, line)
        merged = git(project_dir, "cat-file", "blob", f"{plan.merged.tree}:{name}")
        if merged != expected.decode().strip():
            # Another alignment, as valid: where the context around the edit
            # repeats, ort's histogram diff (the update) and merge-file's Myers
            # diff may place the team's line in different, identical gaps.
            assert kind != "pipeline-checkout", (kind, name)
            _assert_a_clean_merge(merged, edited, (theirs / name).read_text(), line)
        if kind == "pipeline-checkout":
            pipeline = merged.split("\n  pipeline:\n", 1)[1].split("\n  docs:", 1)[0]
            assert "fetch-depth: 0" in pipeline


def _around(lines: list[str], at: int) -> tuple[str | None, str | None]:
    return (lines[at - 1] if at else None, lines[at + 1] if at + 1 < len(lines) else None)


def _assert_a_clean_merge(merged: str, edited: str, theirs: str, line: int) -> None:
    """The team's line is in ``merged`` once, between the neighbours it had, and taking
    it back out gives the template's new version: nothing lost, nothing moved apart."""
    team = edited.splitlines()[line]
    lines = merged.splitlines()
    assert lines.count(team) == 1, team
    at = lines.index(team)
    mine = edited.splitlines()
    neighbours = (
        mine[line - 1] if line else None,
        mine[line + 1] if line + 1 < len(mine) else None,
    )
    assert (lines[at - 1] if at else None, lines[at + 1] if at + 1 < len(lines) else None) == (
        neighbours
    ), team
    original = team.split("  # team edit ")[0] if "  # team edit " in team else None
    restored = lines[:at] + ([original] if original is not None else []) + lines[at + 1 :]
    assert "\n".join(restored).strip() == theirs.strip(), team


@pytest.fixture(scope="module")
def project_at(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Path], None]:
    """Copy a default ``proj`` made at a version to a folder: each version is rendered once
    (in a HOME of its own; the answers' source is portable), as two pairs start from most."""
    made: dict[str, Path] = {}

    def copy(version: str, destination: Path) -> None:
        if version not in made:
            where = tmp_path_factory.mktemp(f"proj-{version}")
            with pytest.MonkeyPatch.context() as monkeypatch:
                isolate(monkeypatch, tmp_path_factory.mktemp("proj-home"))
                monkeypatch.chdir(where)
                ran = run_cli("proj", "--ref", version, "--defaults", "--no-lock")
            assert ran.exit_code == 0, ran.output
            made[version] = where / "proj"
        shutil.copytree(made[version], destination, symlinks=True)

    return copy


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{o}-{n}" for o, n in PAIRS])
def test_every_merge_equals_git_merge_file_or_is_a_visible_conflict(
    old: str,
    new: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    project_at: Callable[[str, Path], None],
    shared_home: Path,
) -> None:
    from mlops_new.engine.planner import make_plan
    from mlops_new.project.model import load
    from mlops_new.templates import render, source
    from tests.support.helpers import git

    isolate(monkeypatch, shared_home)
    monkeypatch.chdir(tmp_path)
    project_dir = tmp_path / "proj"
    project_at(old, project_dir)
    project = load(project_dir)
    refs = (source.recorded(project.src, project.commit), source.resolve(None, new))
    with (
        render.rendered(refs[0], project.user_answers) as base,
        render.rendered(refs[1], project.user_answers) as theirs,
    ):
        rng = random.Random(f"{old}-{new}")  # noqa: S311  (reproducible sampling, not secrets)
        cases = _mutations(base, theirs, rng, MUTATIONS_PER_PAIR)
        ci = ".github/workflows/ci.yml"
        if (base / ci).is_file() and "  pipeline:\n" in (base / ci).read_text():
            cases.append((ci, -1, "pipeline-checkout"))
        checked = 0
        for batch in _batches(cases):
            edits = {}
            for name, line, kind in batch:
                original = (project_dir / name).read_text(encoding="utf-8")
                edited = (
                    _pipeline_checkout(original) if kind == "pipeline-checkout"
                    else _mutate(original, line, kind)
                )  # fmt: skip
                if edited != original:
                    (project_dir / name).write_text(edited, encoding="utf-8")
                    edits[name] = (line, kind, edited)
            if not edits:
                continue
            git(project_dir, "commit", "--quiet", "-am", f"{len(edits)} team edits")
            plan = make_plan(
                load(project_dir), refs, project.user_answers, defaults=True, trust=False
            )
            for name, (line, kind, edited) in edits.items():
                _check_one(project_dir, plan, (base, theirs), name, (line, kind, edited))
                checked += 1
            git(project_dir, "reset", "--quiet", "--hard", "HEAD~1")
    assert checked > MUTATIONS_PER_PAIR // 2
