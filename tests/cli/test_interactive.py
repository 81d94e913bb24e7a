"""Interactive by default: copier's prompts in a real terminal (a pty), with help text."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    ("Continuous integration", ""),
    ("Default DVC remote", ""),
    ("Project documentation site", ""),
    ("Add notebooks/ with an exploration notebook", ""),
]


def test_prompts_show_help_take_defaults_and_answers(tmp_path: Path) -> None:
    env = {**os.environ, "TERM": "xterm", "PYTHONPATH": os.pathsep.join(sys.path)}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mlops_new", "churn", "--no-lock"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )
    for help_text, answer in DIALOGUE:
        child.expect_exact(help_text)
        # The default is pre-filled and editable: Ctrl-U clears it before typing.
        child.send(("\x15" + answer if answer else "") + "\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((tmp_path / "churn" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "churn"
    assert answers["package_name"] == "churn"
    assert answers["description"] == "Predicts churn."
    assert answers["author_name"] == "Test User"
