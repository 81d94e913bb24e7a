"""Builders for hermetic test inputs: template trees, released bundles, git repos."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mlops_new.templates import release

BIN = Path(sys.executable).parent
"""The test environment's scripts (linters from the test extra)."""


def tool(name: str) -> str:
    """A linter or tool from the test environment (else PATH), or a failure saying how."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is missing: install the test extra (pip install -e '.[test]')"
    return found


def lint_clean(argv: list[str], cwd: Path) -> None:
    """Run a linter in ``cwd``; it must exit 0 (its output is the failure message)."""
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    assert proc.returncode == 0, f"{' '.join(argv)}:\n{proc.stdout}\n{proc.stderr}"


TINY_COPIER_YML = """\
_subdirectory: project
_answers_file: .copier-answers.yml
project_name:
  type: str
  help: Name of the project.
  default: my-project
  validator: >-
    {% if not (project_name | regex_search('^[A-Za-z][A-Za-z0-9_. -]*$')) %}
    '{{ project_name }}' is not a valid project name
    {% endif %}
license:
  type: str
  help: Licence.
  choices: [MIT, Apache-2.0]
  default: MIT
python_version:
  type: str
  default: "3.11"
author_name:
  type: str
  default: Nobody
author_email:
  type: str
  default: nobody@example.com
copyright_year:
  type: str
  default: "2000"
"""


ANSWERS_TEMPLATE = """\
# Changes here will be overwritten by Copier
{{ _copier_answers|to_nice_yaml -}}
"""


def build_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) under ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def tiny_template_files(marker: str) -> dict[str, str]:
    """A small copier template; ``marker`` changes README between versions."""
    return {
        "template/copier.yml": TINY_COPIER_YML,
        "template/project/{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE,
        "template/project/README.md.jinja": f"# {{{{ project_name }}}}\n\n{marker}\n",
        "template/project/LICENSE.jinja": "{{ license }} {{ copyright_year }} {{ author_name }}\n",
        "template/project/python.txt.jinja": "{{ python_version }}\n",
    }


def fake_checkout(root: Path, releases: list[tuple[str, str]]) -> Path:
    """A source checkout whose bundle holds ``releases`` ((version, marker) pairs)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "--quiet")
    for number, (version, marker) in enumerate(releases):
        build_tree(root, tiny_template_files(marker))
        release.release(
            root, version, f"Release {version}", f"2026-01-{number + 1:02d}T00:00:00+00:00"
        )
    return root


def release_trees(root: Path, releases: list[tuple[str, dict[str, str]]]) -> Path:
    """A source checkout whose bundle holds each (version, template files) in order.

    Each tree replaces ``template/`` entirely, so files can disappear between
    versions. A name ending in ``*`` is written executable (the ``*`` dropped).
    """
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "--quiet")
    for number, (version, files) in enumerate(releases):
        shutil.rmtree(root / "template", ignore_errors=True)
        for name, text in files.items():
            path = root / "template" / name.rstrip("*")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if name.endswith("*"):
                path.chmod(0o755)
        date = f"2026-02-{number + 1:02d}T00:00:00+00:00"
        release.release(root, version, f"Release {version}", date)
    return root
