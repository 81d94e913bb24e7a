"""mlops-new is distributable the way generated projects consume it.

The repository's own workflows lint clean, ``.pre-commit-hooks.yaml`` offers
the hook the generated pre-commit config names, and the built sdist and wheel
pass ``twine check``; the wheel installs and runs in a fresh virtual environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest
import yaml

from mlops_new import __version__
from tests.support.helpers import BIN, tool

ROOT = Path(__file__).resolve().parents[1]


def _run(argv: list[str], cwd: Path = ROOT) -> str:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    assert proc.returncode == 0, f"{' '.join(argv)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_own_workflows_are_lint_clean() -> None:
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert {Path(w).name for w in workflows} >= {"ci.yml", "release.yml"}
    shellcheck = shutil.which("shellcheck")
    _run([tool("actionlint"), f"-shellcheck={shellcheck or ''}", *workflows])
    _run([tool("zizmor"), "--offline", "--persona", "pedantic", ".github/workflows"])
    _run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows])


def test_release_publishes_with_trusted_publishing_only() -> None:
    release = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    publish = release["jobs"]["publish"]
    assert publish["permissions"]["id-token"] == "write"
    assert "id-token" not in release["jobs"]["build"]["permissions"]
    assert "secrets." not in (ROOT / ".github/workflows/release.yml").read_text()


def test_pre_commit_hook_matches_the_generated_config() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    template = (ROOT / "template/project/.pre-commit-config.yaml.jinja").read_text()
    (hook,) = hooks
    assert hook["id"] == "mlops-new-check"
    assert f"id: {hook['id']}" in template
    assert hook["entry"] == "mlops-new check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False


@pytest.mark.e2e
def test_sdist_and_wheel_pass_twine_and_the_wheel_runs(tmp_path: Path) -> None:
    uv = shutil.which("uv", path=str(BIN)) or shutil.which("uv")
    assert uv
    dist = tmp_path / "dist"
    _run([uv, "build", "--quiet", "--out-dir", str(dist), str(ROOT)])
    files = [*dist.glob("*.tar.gz"), *dist.glob("*.whl")]
    assert [f.suffix for f in files] == [".gz", ".whl"], files
    _run([tool("twine"), "check", "--strict", *map(str, files)])
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", str(files[1])], cwd=tmp_path)
    cli = python.parent / "mlops-new"
    assert __version__ in _run([str(cli), "--version"], cwd=tmp_path)
    created = _run(
        [str(cli), "made-by-wheel", "--defaults", "--no-lock", "--format", "json"], cwd=tmp_path
    )
    assert '"next_steps"' in created
    assert (tmp_path / "made-by-wheel" / ".copier-answers.yml").is_file()
