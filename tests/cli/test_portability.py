"""No command needs a POSIX-only module: ``create``, ``check`` and ``update`` run without fcntl.

Windows has no ``fcntl``; the test makes importing it fail (as it does there) in a
fresh interpreter, then runs the commands a new user runs first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NO_POSIX_ONLY_MODULES = """\
import sys
sys.modules["fcntl"] = None  # `import fcntl` raises ImportError, as on Windows
from mlops_new.cli import main
main(sys.argv[1:])
"""


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run(
        [sys.executable, "-c", NO_POSIX_ONLY_MODULES, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_create_check_and_update_run_without_fcntl(tmp_path: Path) -> None:
    made = _run(tmp_path, "proj", "--defaults", "--no-lock", "--ref", "0.4.0")
    assert made.returncode == 0, made.stderr
    project = tmp_path / "proj"
    checked = _run(project, "check", "--format", "json")
    assert checked.returncode in (0, 7, 8), checked.stderr  # a report, whatever its verdicts
    assert '"command": "check"' in checked.stdout
    updated = _run(project, "update", "--defaults", "--no-lock", "--to", "0.5.0")
    assert updated.returncode == 0, updated.stderr
    assert "_commit: v0.5.0" in (project / ".copier-answers.yml").read_text(encoding="utf-8")
