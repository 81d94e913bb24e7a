"""The update's journal and lock: one update at a time, ``--abort`` and ``--continue`` after
conflicts or a kill, and every command naming them while an update is unfinished."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mlops_new.cli._errors import ExitCode
from mlops_new.project import journal
from tests.support.helpers import git
from tests.update.conftest import CONFIG_V2, Cli, commit_all, files_of, report

MakeProject = Callable[..., Path]

# -- case 3: the lock; the journal ------------------------------------------------------------


def test_a_second_concurrent_update_is_refused(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    before = files_of(project)
    with journal.locked(project):
        result = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "Another mlops-new update is running" in result.stderr
    assert files_of(project) == before


def test_conflicts_then_continue_after_resolving(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    config = project / "config.txt"
    config.write_text(config.read_text().replace("alpha=1", "alpha=5"))
    commit_all(project)
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 3
    blocked = cli("diff", str(project))
    assert blocked.exit_code == ExitCode.USER_ERROR
    assert "mlops-new update --continue" in blocked.stderr
    early = cli("update", str(project), "--continue")
    assert early.exit_code == ExitCode.USER_ERROR
    assert "still have conflicts" in early.stderr
    config.write_text(CONFIG_V2.replace("alpha=10", "alpha=5"))
    git(project, "add", "config.txt")
    done = cli("update", str(project), "--continue", "--format", "json")
    assert done.exit_code == 0, done.output
    assert report(done)["to_version"] == "0.2.0"
    assert journal.read(project) is None


def test_a_commit_after_resolving_settles_the_update(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    (project / "config.txt").write_text("alpha=5\n")
    commit_all(project)
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 3
    (project / "config.txt").write_text("alpha=5\n")
    commit_all(project, "resolved")
    assert cli("diff", str(project)).exit_code in {0, ExitCode.DRIFT}
    assert journal.read(project) is None


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even the rollback."""


@pytest.mark.parametrize("then", ["--continue", "--abort"])
def test_an_update_killed_mid_apply_is_finished_or_undone_from_its_journal(
    cli: Cli, make_project: MakeProject, then: str
) -> None:
    from mlops_new.engine import applier

    project = make_project("0.1.0")
    config = project / "config.txt"
    config.write_text(config.read_text().replace("epsilon=5", "epsilon=50"))
    commit_all(project)
    before = files_of(project)
    real_move = applier.move

    def killed(*args: object, **kwargs: object) -> None:
        real_move(*args, **kwargs)  # type: ignore[arg-type]
        (project / "NEWS.md").unlink()  # as if killed while git was writing files
        raise _Killed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(applier, "move", killed)
        patch.setattr(applier, "rollback", lambda *args: None)
        with pytest.raises(_Killed):
            cli("update", str(project), "--to", "0.2.0", "--defaults")
    blocked = cli("update", str(project), "--to", "0.2.0", "--defaults")
    assert blocked.exit_code == ExitCode.USER_ERROR
    assert "interrupted before it finished" in blocked.stderr
    result = cli("update", str(project), then)
    assert result.exit_code == 0, result.output
    assert journal.read(project) is None
    if then == "--abort":
        assert files_of(project) == before
        assert git(project, "status", "--porcelain", "--ignored") == ""
    else:
        assert config.read_text() == CONFIG_V2.replace("epsilon=5", "epsilon=50")
        assert (project / "NEWS.md").read_text() == "Template news.\n"
        assert "_commit: v0.2.0" in (project / ".copier-answers.yml").read_text()


def test_abort_after_tracked_conflicts_restores_the_last_commit(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    (project / "config.txt").write_text("alpha=5\n")
    (project / "legacy.txt").write_text("old\nours\n")
    commit_all(project)
    before = files_of(project)
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 3
    assert git(project, "diff", "--name-only", "--diff-filter=U")
    aborted = cli("update", str(project), "--abort", "--format", "json")
    assert aborted.exit_code == 0, aborted.output
    assert report(aborted)["to_version"] == "0.1.0"
    assert files_of(project) == before
    assert git(project, "status", "--porcelain", "--ignored") == ""


def test_check_names_an_unfinished_update_until_it_is_settled(
    cli: Cli, make_project: MakeProject
) -> None:
    project = make_project("0.1.0")
    (project / "config.txt").write_text("alpha=5\n")
    commit_all(project)
    assert cli("update", str(project), "--to", "0.2.0", "--defaults").exit_code == 3

    def tpl004() -> dict[str, object]:
        checked = cli("check", str(project), "--format", "json")
        (result,) = [
            r for r in json.loads(checked.stdout)["result"]["results"] if r["id"] == "TPL004"
        ]
        return dict(result)

    stopped = tpl004()
    assert stopped["status"] == "fail", stopped
    assert "stopped on conflicts" in str(stopped["message"])
    assert "mlops-new update --continue" in str(stopped["message"])
    assert stopped["path"] == ".copier-answers.yml"
    (project / "config.txt").write_text("alpha=5\n")
    commit_all(project, "resolved")
    assert tpl004()["status"] == "pass"
    assert journal.read(project) is not None  # check only reads; the next update clears it
