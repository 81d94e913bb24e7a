"""Interactive by default: copier's prompts in a real terminal (a pty), with help text."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pexpect = pytest.importorskip("pexpect")

# (help text shown by the prompt, what the user types; "" accepts the default)
DIALOGUE = [
    ("Human-readable project name", ""),
    ("Python import name of the package", ""),
    ("One-line description of the project", "Predicts churn."),
    ("Author name used in pyproject.toml", ""),
    ("Author e-mail address", ""),
    ("Licence of the generated project", ""),
    ("Year in the copyright notice", ""),
    ("Minimum Python version", ""),
    ("Machine-learning framework", ""),
    ("Experiment tracking", ""),
    ("Default MLflow tracking URI", ""),
    ("Model serving", ""),
    ("Add a Dockerfile", ""),
    ("Deployment of the serving image", ""),
    ("Continuous integration", ""),
    ("Default DVC remote", ""),
    ("Code owners who review every change", ""),
    ("Project documentation site", ""),
    ("Add notebooks/ with an exploration notebook", ""),
]


def _spawn(cwd: Path, *, columns: int) -> Any:
    """``mlops-new churn`` in a terminal ``columns`` wide."""
    env = {**os.environ, "TERM": "xterm", "PYTHONPATH": os.pathsep.join(sys.path)}
    argv = ["-m", "mlops_new", "churn", "--no-lock"]
    return pexpect.spawn(
        sys.executable,
        argv,
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(24, columns),
    )


CPR = "\x1b[6n"
"""prompt_toolkit's cursor-position request: a terminal answers it; unanswered, every prompt
waits a second for the answer before it returns."""


def _expect(child: Any, text: str) -> None:
    """Wait for ``text``, answering cursor-position requests on the way as a terminal does."""
    while child.expect_exact([text, CPR]) == 1:
        child.send("\x1b[1;1R")


def test_prompts_show_help_take_defaults_and_answers(tmp_path: Path) -> None:
    child = _spawn(tmp_path, columns=200)
    for help_text, answer in DIALOGUE:
        _expect(child, help_text)
        # The default is pre-filled and editable: Ctrl-U clears it before typing.
        child.send(("\x15" + answer if answer else "") + "\r")
    while child.expect_exact([pexpect.EOF, CPR]) == 1:
        child.send("\x1b[1;1R")
    child.close()
    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((tmp_path / "churn" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "churn"
    assert answers["package_name"] == "churn"
    assert answers["description"] == "Predicts churn."
    assert answers["author_name"] == "Test User"
    assert answers["license"] == "MIT"


def test_a_refused_answer_shows_the_whole_fix_in_an_80_column_terminal(tmp_path: Path) -> None:
    child = _spawn(tmp_path, columns=80)
    for help_text, _ in DIALOGUE[:4]:
        _expect(child, help_text)
        child.send("\r")
    _expect(child, "Author e-mail address")
    child.send("\x15" + "not an e-mail address, and a long one at that" + "\r")
    # The prompt shows the message on one line, cut at the terminal's width.
    _expect(child, "use name@example.com.")
    child.terminate(force=True)
    assert not (tmp_path / "churn").exists()
