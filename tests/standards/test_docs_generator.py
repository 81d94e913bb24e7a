"""``python -m mlops_new.standards.docs``: writes where ``--output`` says, and nowhere else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlops_new.standards.docs import render


def _generate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_new.standards.docs", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_help_prints_usage_and_writes_no_file(tmp_path: Path) -> None:
    """``--help`` once wrote the reference to a file named ``--help`` (committed by mistake)."""
    proc = _generate(tmp_path, "--help")
    assert proc.returncode == 0
    assert "--output" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_output_names_the_file(tmp_path: Path) -> None:
    proc = _generate(tmp_path, "--output", "checks.md")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "checks.md").read_text(encoding="utf-8") == render()


def test_a_stray_argument_is_refused(tmp_path: Path) -> None:
    proc = _generate(tmp_path, "checks.md")
    assert proc.returncode == 2
    assert "unrecognized arguments: checks.md" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_stray_generated_file_at_the_repository_root() -> None:
    root = Path(__file__).resolve().parents[2]
    assert not (root / "--help").exists()
