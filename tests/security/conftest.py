"""Hostile inputs built in tmp: templates (git repos with tags), repositories, answers.

Every payload is ``touch MARKER`` (or a Python write of MARKER): a test passes
only if no marker exists afterwards, so a test fails loudly if a payload runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.helpers import ANSWERS_TEMPLATE, build_tree, git

ROOT = Path(__file__).resolve().parents[2]

BASE_COPIER = """\
_subdirectory: project
_answers_file: .copier-answers.yml
project_name:
  type: str
  default: my-project
flag:
  type: bool
  default: false
"""

BASE_FILES = {
    "project/{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE,
    "project/README.md.jinja": "# {{ project_name }}\n",
}


@dataclass(frozen=True)
class Scene:
    """A scratch world: where the payloads would write, and where the user works."""

    root: Path
    marker: Path
    outside: Path
    work: Path

    def payload(self) -> str:
        """A shell command a hostile input wants run."""
        return f"touch {self.marker}"

    def assert_untouched(self) -> None:
        """No payload ran and nothing was written outside the work folder."""
        assert not self.marker.exists(), "a hostile payload ran"
        assert list(self.outside.iterdir()) == [], "something was written outside the target"


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    root = tmp_path / "scene"
    outside = root / "outside"
    work = root / "work"
    for folder in (outside, work):
        folder.mkdir(parents=True)
    return Scene(root=root, marker=root / "MARKER", outside=outside, work=work)


def make_template(
    where: Path,
    files: dict[str, str],
    copier_extra: str = "",
    symlinks: dict[str, str] | None = None,
    executable: tuple[str, ...] = (),
    tag: str | None = "v0.1.0",
) -> Path:
    """A copier template as a git repository (tagged ``tag``: copier renders that tag)."""
    where.mkdir(parents=True)
    build_tree(where, {"copier.yml": BASE_COPIER + copier_extra, **BASE_FILES, **files})
    for name in executable:
        (where / name).chmod(0o755)
    for name, target in (symlinks or {}).items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).symlink_to(target)
    git(where, "init", "--quiet")
    git(where, "add", "--all")
    git(where, "commit", "--quiet", "-m", "template")
    if tag:
        git(where, "tag", tag)
    return where


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


Run = Callable[..., Ran]


@pytest.fixture
def run_cli(scene: Scene) -> Run:
    """``mlops-new ARGS`` as a subprocess in the work folder (real signals, real exit)."""

    def run(*args: str, cwd: Path | None = None, timeout: float = 240) -> Ran:
        proc = subprocess.run(
            [sys.executable, "-m", "mlops_new", *args],
            cwd=cwd or scene.work,
            env={**os.environ, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Ran(proc.returncode, proc.stdout, proc.stderr)

    return run


def assert_clear_error(ran: Ran, code: int, *words: str) -> None:
    """Exit ``code``, no traceback, a short message on stderr naming ``words``."""
    assert ran.code == code, (ran.code, ran.out, ran.err)
    assert "Traceback" not in ran.err + ran.out, ran.err
    lines = [line for line in ran.err.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 4, ran.err  # message and hint, each possibly wrapped once
    for word in words:
        assert word.lower() in ran.err.lower(), (word, ran.err)


def make_versions(where: Path, versions: list[tuple[str, dict[str, str], str]]) -> Path:
    """A template repository with one tagged commit per ``(tag, files, copier_extra)``."""
    where.mkdir(parents=True)
    git(where, "init", "--quiet")
    for tag, files, copier_extra in versions:
        build_tree(where, {"copier.yml": BASE_COPIER + copier_extra, **BASE_FILES, **files})
        git(where, "add", "--all")
        git(where, "commit", "--quiet", "-m", tag)
        git(where, "tag", tag)
    return where
