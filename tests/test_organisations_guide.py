"""docs/organisations.md, step 1, run verbatim from a fresh HOME (the guide's commands)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.support.helpers import BIN, git

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "organisations.md"


def _step_one_blocks() -> list[str]:
    """The shell blocks of section 1, in order (fork, then release by tagging)."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("## 1. ") : text.index("## 2. ")]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_forking_the_bundled_template_works_verbatim(isolated_env: Path, tmp_path: Path) -> None:
    """Once broken: `mlops-new versions` did not create ~/.mlops-new/template to clone."""
    assert not (isolated_env / ".mlops-new").exists()
    forge = tmp_path / "forge"
    bare = forge / "acme-ml-template.git"
    git(tmp_path, "init", "--quiet", "--bare", str(bare))
    # The guide's remote (git@git.example.com:platform/...) is this machine's bare repository.
    git(
        isolated_env,
        "config",
        "--global",
        f"url.{forge}/.insteadOf",
        "git@git.example.com:platform/",
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    fork, release = _step_one_blocks()
    work = tmp_path / "work"
    work.mkdir()
    forked = _bash(fork, work, env)
    assert forked.returncode == 0, forked.stderr
    clone = work / "acme-ml-template"
    assert "v0.1.0" in git(clone, "tag", "--list")
    # "Edit it": the platform team's first change, then the guide's release block.
    with (clone / "copier.yml").open("a", encoding="utf-8") as config:
        config.write("# Acme: internal registry\n")
    released = _bash(release, clone, env)
    assert released.returncode == 0, released.stderr
    assert "v1.0.0" in git(bare, "tag", "--list").split()
    made = _bash(
        "mlops-new acme-demo --template git@git.example.com:platform/acme-ml-template.git "
        "--defaults --no-lock",
        work,
        env,
    )
    assert made.returncode == 0, made.stderr
    answers = (work / "acme-demo" / ".copier-answers.yml").read_text(encoding="utf-8")
    assert "_commit: v1.0.0" in answers
