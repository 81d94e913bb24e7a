"""What a command loads: `check` starts without copier, pydantic, rich or logging (issue 12).

Start-up is most of `mlops-new check`'s time: these tests catch, without timing
anything, an import that brings a heavy library back onto its path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_new.cli import app
from tests.cli.conftest import Invoke
from tests.support.cli import run_cli
from tests.support.helpers import git

HEAVY = ("copier", "pydantic", "rich", "concurrent", "logging")
OTHER_COMMANDS = ("mlops_new.cli.create", "mlops_new.cli.fleet", "mlops_new.cli.update")
NOT_FOR_CHECK = (*OTHER_COMMANDS, "mlops_new.core.results")  # results: the other commands' types


def _loaded_after(*args: str, cwd: Path) -> tuple[list[str], str]:
    """``(heavy modules and other commands' modules loaded, stdout)`` after ``mlops-new ARGS``
    in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from mlops_new.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit:\n    pass\n"
        f"heavy = {{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}\n"
        f"heavy |= set(sys.modules) & {set(NOT_FOR_CHECK)!r}\n"
        "heavy = sorted(heavy)\n"
        "print('\\nLOADED=' + json.dumps(heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd, env=env
    )
    out, _, loaded = proc.stdout.rpartition("\nLOADED=")
    return json.loads(loaded), out


def _repo(root: Path) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs: {}\n")
    git(root, "init", "--quiet")
    git(root, "add", "-A")
    return root


def test_check_json_loads_no_copier_pydantic_or_rich(tmp_path: Path) -> None:
    """Every kind of value `check` takes (a path, a choice, lists of ids) is coerced without
    pydantic, JSON is written without rich, and no other command is built."""
    repo = _repo(tmp_path / "r")
    loaded, out = _loaded_after(
        "check", str(repo), "--format", "json", "--select", "PY,CI", "--ignore", "CI003",
        cwd=tmp_path,
    )  # fmt: skip
    assert loaded == []
    result = json.loads(out)["result"]
    assert result["path"] == str(repo)
    assert {r["id"][:2] for r in result["results"]} == {"PY", "CI"}
    assert "CI003" not in {r["id"] for r in result["results"]}


def test_check_default_path_and_table_load_no_pydantic(tmp_path: Path) -> None:
    """The default PATH (``.``) and the table for people: rich, but still no pydantic."""
    repo = _repo(tmp_path / "r")
    loaded, out = _loaded_after("check", "--select", "PY001", cwd=repo)
    assert loaded == ["rich"]
    assert "PY001" in out


@pytest.mark.usefixtures("tiny_bundle")
def test_values_typer_words_still_go_through_typer(invoke: Invoke) -> None:
    """A value that does not coerce (an unknown choice, a number under its minimum) gets
    typer's own message and usage exit code."""
    bad_choice = invoke("check", ".", "--format", "xml")
    assert bad_choice.exit_code == 2
    assert "'xml' is not one of 'rich', 'json', 'sarif', 'github'" in bad_choice.output
    bad_number = invoke("fleet", "report", ".", "--jobs", "0")
    assert bad_number.exit_code == 2
    assert "--jobs" in bad_number.output


def test_help_still_builds_every_command(tmp_path: Path) -> None:
    loaded, out = _loaded_after("--help", cwd=tmp_path)
    assert set(OTHER_COMMANDS) <= set(loaded)
    for name in ("create", "questions", "update", "versions", "diff", "restore", "link", "check"):
        assert f"\n  {name} " in out
    assert "\n  fleet " in out


def test_choices_are_the_enum_members(tmp_path: Path) -> None:
    """``--format JSON`` is not accepted (typer's choices are case-sensitive); ``json`` is."""

    repo = _repo(tmp_path / "r")
    upper = run_cli("check", str(repo), "--format", "JSON")
    assert upper.exit_code == 2
    lower = run_cli("check", str(repo), "--format", "json")
    assert json.loads(lower.stdout)["command"] == "check"


def test_the_entry_point_knows_checks_value_options() -> None:
    """`mlops-new check` reads its PATH before typer runs: it must know which options take a
    value, or it would take a value for the PATH (and scan the wrong folder early)."""
    import typer.main

    from mlops_new.__main__ import CHECK_FLAGS, CHECK_VALUE_OPTIONS

    command = typer.main.get_command(app).commands["check"]  # type: ignore[attr-defined]
    options = [param for param in command.params if param.param_type_name == "option"]
    valued = {name for param in options if not param.is_flag for name in param.opts}
    assert valued == CHECK_VALUE_OPTIONS
    assert {name for param in options if param.is_flag for name in param.opts} == CHECK_FLAGS


@pytest.mark.parametrize(
    ("args", "path"),
    [
        ([], "."),
        (["."], "."),
        (["repo", "--format", "json"], "repo"),
        (["--select", "CI", "--ignore=CI001", "repo"], "repo"),
        (["--format=json", "--config", "c.toml"], "."),
        (["--no-cache", "repo"], "repo"),
        (["--help"], None),
        (["-h", "repo"], None),
        (["--", "-odd"], None),
        (["a", "b"], None),
        (["--format"], None),
        (["--bogus", "repo"], None),
    ],
)
def test_the_entry_point_reads_checks_path(args: list[str], path: str | None) -> None:
    from mlops_new.__main__ import check_path

    assert check_path(args) == (Path(path) if path is not None else None)


def test_the_console_script_runs_check(tmp_path: Path) -> None:
    """``python -m mlops_new check`` (the console script's own code) checks the folder."""
    repo = _repo(tmp_path / "r")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-m", "mlops_new", "check", "--format", "json", "--select", "PY001"],
        capture_output=True, text=True, check=False, cwd=repo, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"]["path"] == str(repo)
