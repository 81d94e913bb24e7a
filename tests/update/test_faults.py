"""Kill a real ``mlops-new update`` (and dry run) at several moments: nothing is ever half-applied.

Afterwards the project is unchanged, or the journal's printed command
(``update --continue`` / ``--abort``) completes or undoes it; the team's
committed edit and its git-ignored copy of a template file are never lost;
no temporary folder or worktree is left.  Uses the real bundled template in
subprocesses (the in-process bundle fixture does not reach them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlops_new.templates import store
from tests.support.helpers import git
from tests.support.isolation import isolate

NEWEST = store.manifest()[-1].version
TEAM_LINE = "\n# team: keep this target\n"
IGNORED = "# team-local parameters (git-ignored here)\n"


def _mlops(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mlops_new", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = _mlops(cwd, *args)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 0.1.0 project with a committed team edit and a git-ignored team copy of params.yaml.

    Made once for the module (in a HOME of its own): every test copies it, none changes it.
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, tmp_path_factory.mktemp("fault-seed-home"))
        return _seed(tmp_path_factory.mktemp("fault-seed"))


def _seed(root: Path) -> Path:
    made = _run(root, "proj", "--ref", "0.1.0", "--defaults", "--no-lock")
    assert made.returncode == 0, made.stderr
    project = root / "proj"
    with (project / "Makefile").open("a") as handle:
        handle.write(TEAM_LINE)
    git(project, "rm", "--cached", "--quiet", "params.yaml")
    with (project / ".gitignore").open("a") as handle:
        handle.write("/params.yaml\n")
    params = project / "params.yaml"
    params.write_text(IGNORED + params.read_text())
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", "team edits")
    return project


def _copy(seed: Path, dst: Path) -> Path:
    subprocess.run(["cp", "-a", str(seed), str(dst)], check=True)
    return dst


def _settle(project: Path, out: str, err: str) -> str:
    """Finish what the kill left (as the printed message says); return how it ended."""
    if (Path(git(project, "rev-parse", "--absolute-git-dir")) / "mlops-new/journal.json").exists():
        blocked = _run(project, "update", str(project), "--to", NEWEST, "--defaults")
        assert blocked.returncode == 4, blocked.stderr
        assert "update --continue" in blocked.stderr
        assert "update --abort" in blocked.stderr
        resumed = _run(project, "update", str(project), "--continue")
        if resumed.returncode == 4 and "index.lock' exists" in resumed.stderr:
            # SIGKILL can cut a git child short, leaving its lock; nothing else runs git here,
            # so do as the message says: delete it and run the command again.
            (project / ".git" / "index.lock").unlink()
            resumed = _run(project, "update", str(project), "--continue")
        if resumed.returncode in {3, 4} and "params.yaml" in resumed.stderr + resumed.stdout:
            _resolve(project / "params.yaml")  # --continue refuses the ignored file's markers
            resumed = _run(project, "update", str(project), "--continue")
        assert resumed.returncode in {0, 3}, resumed.stderr
        return "continued"
    del out, err
    return "clean"


def _resolve(path: Path) -> None:
    """The team resolves a conflicted file by keeping both sides (drops the marker lines)."""
    markers = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(markers)))


def _check(project: Path, head: str) -> str:
    """The invariants: HEAD kept, team edit present, ignored copy kept, nothing leaked."""
    assert git(project, "rev-parse", "HEAD") == head
    assert (project / "Makefile").read_text().endswith(TEAM_LINE)
    # Kept: merged with the template's change, inside conflict markers when both changed it.
    assert IGNORED in (project / "params.yaml").read_text()
    assert git(project, "worktree", "list").count("\n") == 0
    tmp = store.store_path().parent / "tmp"
    leftovers = list(tmp.iterdir()) if tmp.is_dir() else []
    assert leftovers == [], leftovers
    answers = (project / ".copier-answers.yml").read_text()
    status = git(project, "status", "--porcelain")
    if "_commit: v0.1.0" in answers:
        assert status == "", status  # unchanged: exactly the last commit
        return "unchanged"
    assert f"_commit: v{NEWEST}" in answers
    return "updated"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=str)
@pytest.mark.parametrize("dry_run", [False, True], ids=["update", "dry-run"])
def test_a_killed_update_is_never_half_applied(
    seed: Path, tmp_path: Path, sig: signal.Signals, dry_run: bool
) -> None:
    head = git(seed, "rev-parse", "HEAD")
    outcomes = []
    for number, delay in enumerate((0.15, 0.6, 1.2, 2.0, 3.0)):
        project = _copy(seed, tmp_path / f"p{number}")
        args = ["update", str(project), "--defaults", *(["--dry-run"] if dry_run else [])]
        proc = _mlops(project, *args)
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.killpg(proc.pid, sig)
        out, err = proc.communicate(timeout=120)
        if sig != signal.SIGKILL and not finished:
            # negative: killed during interpreter start-up, before any handler (checked below)
            assert proc.returncode in {0, 3, 130} or proc.returncode < 0, err
            assert "Traceback" not in err, err
        settled = _settle(project, out, err)
        _sweep_by_running_once(project)
        outcomes.append((delay, finished, settled, _check(project, head)))
        if sig != signal.SIGKILL and proc.returncode < 0:
            assert outcomes[-1][2:] == ("clean", "unchanged"), outcomes[-1]
        if dry_run:
            assert outcomes[-1][3] == "unchanged"
        if finished:
            break
    assert outcomes


def _sweep_by_running_once(project: Path) -> None:
    """Any later mlops-new run removes the temp folders of killed ones."""
    done = _run(project, "update", str(project), "--dry-run", "--defaults")
    assert done.returncode in {0, 3, 4}, done.stderr


def test_two_concurrent_updates_one_is_refused(seed: Path, tmp_path: Path) -> None:
    project = _copy(seed, tmp_path / "p")
    first = _mlops(project, "update", str(project), "--defaults")
    time.sleep(0.4)
    second = _run(project, "update", str(project), "--defaults")
    out, err = first.communicate(timeout=120)
    codes = sorted([first.returncode, second.returncode])
    if second.returncode == 4:
        assert "Another mlops-new update is running" in second.stderr
    assert codes[0] in {0, 3}, (err, second.stderr)  # 3: the ignored params.yaml conflicts
    assert f"_commit: v{NEWEST}" in (project / ".copier-answers.yml").read_text()
    assert (project / "Makefile").read_text().endswith(TEAM_LINE)
    del out
