"""The README's Quickstart is exactly two commands, and the first works as a new user runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("quickstart")]

ROOT = Path(__file__).resolve().parents[2]


def _quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    section = section.split("### ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def _bash(
    script: str, cwd: Path, env: dict[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """``bash -c SCRIPT`` in ``cwd`` with exactly ``env``; its output captured."""
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def test_quickstart_has_two_commands_and_ci_runs_the_second() -> None:
    commands = _quickstart_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_first_command_installs_and_creates_a_project(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    _copy_checkout(checkout)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    proc = _bash(_quickstart_commands()[0], checkout, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    project = checkout / "myproject"
    assert (project / ".copier-answers.yml").is_file()
    assert (project / "uv.lock").is_file()
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=project, capture_output=True, text=True, check=True
    ).stdout
    assert len(log.splitlines()) == 1


def _clean_env(home: Path) -> dict[str, str]:
    """A new user's shell: a fresh HOME, only the system's PATH (Python, git, make), no uv."""
    home.mkdir()
    (home / "tmp").mkdir()
    keep = ("LANG", "LC_ALL", "TERM", "UV_CACHE_DIR", "UV_PYTHON_DOWNLOADS", "NO_PROXY")
    # The machine's network set-up (certificates, proxies, package index) is not
    # the README's business, so it stays.
    network = ("PIP_", "SSL_", "REQUESTS_CA", "CURL_CA", "GIT_SSL", "HTTP", "UV_INDEX")
    env = {k: v for k, v in os.environ.items() if k in keep or k.upper().startswith(network)}
    env.update(
        HOME=str(home),
        TMPDIR=str(home / "tmp"),
        PATH="/usr/bin:/bin",
        GIT_CONFIG_NOSYSTEM="1",
        # The machine's warm uv cache, as a returning user has (the index is still used).
        UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")),
    )
    return env


def _next_steps(output: str) -> list[str]:
    lines = output.split("Next steps:", 1)[1].splitlines()
    return [line.strip() for line in lines if line.startswith("  ") and line.strip()]


@pytest.mark.skipif(shutil.which("make", path="/usr/bin:/bin") is None, reason="no make")
def test_readme_then_the_printed_next_steps_verbatim(tmp_path: Path) -> None:
    """A new user: the README's first command, then each printed next step, as printed."""
    checkout = tmp_path / "checkout"
    _copy_checkout(checkout)
    env = _clean_env(tmp_path / "home")
    assert shutil.which("uv", path=env["PATH"]) is None, "the machine has uv on PATH"
    first = _bash(_quickstart_commands()[0], checkout, env)
    assert first.returncode == 0, first.stdout + first.stderr
    steps = _next_steps(first.stdout)
    assert any(step.startswith("make test") for step in steps), steps
    script = "set -e\n" + "\n".join(steps) + "\n"
    proc = _bash(script, checkout, env, timeout=1800)
    assert proc.returncode == 0, script + proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "does not match the project environment" not in proc.stderr
    assert (checkout / "myproject" / "dvc.lock").is_file()


def _copy_checkout(checkout: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, files.split("\0")):
        if (ROOT / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, checkout / name)
