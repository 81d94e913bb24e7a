"""`mlops-new check` against `copier check-update` and against `repo-review`, side by side.

Usage (from a source checkout; needs hyperfine, and the package index once for repo-review):

    python bench/bench_check.py [--runs 15] [--files 500,5000,20000,40000]
                                [--out bench/results/check.json]

1. On a project generated at the oldest bundled template version: `mlops-new
   check` against `copier check-update` (target: <= 0.3x).
2. On synthetic repositories of each ``--files`` count of tracked files (a
   package of small modules, a test suite, a workflow, a configured
   pyproject.toml): `mlops-new check` (its scan cache warm, as from the second
   run on: hyperfine's warm-up makes it) and `mlops-new check --no-cache` (every
   file searched, as in a fresh clone) against `repo-review` with the
   sp-repo-review checks, installed into a temporary virtual environment for
   this benchmark only (target: <= 1.0x).

Everything runs in fresh virtual environments with bytecode compiled and an
isolated HOME; hyperfine interleaves nothing, so compare ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_create import ROOT, hyperfine, isolated_env, released_versions, sh

PYPROJECT = """\
[project]
name = "big"
version = "0.1.0"
requires-python = ">=3.10"

[tool.ruff]
line-length = 100

[tool.mypy]
strict = true

[tool.pytest.ini_options]
testpaths = ["tests"]
"""
WORKFLOW = """\
on: [push, pull_request]
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest
"""


def make_big_repo(root: Path, files: int, env: dict[str, str]) -> Path:
    """A git repository with ``files`` tracked files, mostly small Python modules."""
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "README.md").write_text("# big\n")
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    tests = root / "tests"
    tests.mkdir()
    count = 3
    for index in range(files // 20):
        (tests / f"test_{index:05d}.py").write_text("def test_x() -> None:\n    assert True\n")
        count += 1
    package = 0
    while count < files:
        folder = root / "src" / "big" / f"pkg{package:04d}"
        folder.mkdir(parents=True)
        for index in range(min(100, files - count)):
            (folder / f"mod{index:03d}.py").write_text(
                f"def f(x: int) -> int:\n    return x + {index}\n"
            )
            count += 1
        package += 1
    sh("git", "init", "--quiet", str(root), env=env)
    sh("git", "add", "--all", env=env, cwd=root)
    sh("git", "commit", "--quiet", "-m", "big", env=env, cwd=root)
    return root


def repo_review_env(tmp: Path, env: dict[str, str]) -> dict[str, str]:
    """A throw-away venv with repo-review and sp-repo-review (for this benchmark only)."""
    venv = tmp / "repo-review-venv"
    sh(sys.executable, "-m", "venv", str(venv))
    pip = str(venv / "bin" / "pip")
    sh(pip, "install", "--quiet", "--compile", "repo-review[cli]", "sp-repo-review", env=env)
    return {**env, "REPO_REVIEW": str(venv / "bin" / "repo-review")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--files", default="500,5000,20000,40000", help="counts, comma-separated")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "check.json")
    args = parser.parse_args()
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine is not installed: apt-get install hyperfine")
    oldest = released_versions()[0]
    with tempfile.TemporaryDirectory(prefix="mlops-new-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        project = tmp / "p"
        sh("mlops-new", str(project), "--ref", oldest, "--defaults", "--no-lock", env=env)
        generated = hyperfine(
            {
                "mlops-new check": f"mlops-new check {project} --format json || true",
                "copier check-update": f"copier check-update {project} || true",
            },
            env,
            args.runs,
            "true",
            tmp / "check.json",
        )
        env = repo_review_env(tmp, env)
        large: dict[str, float] = {}
        ratios = {
            "check / copier check-update": generated["mlops-new check"]
            / generated["copier check-update"]
        }
        targets = {"check / copier check-update": 0.3}
        for files in (int(count) for count in args.files.split(",")):
            big = make_big_repo(tmp / f"big{files}", files, env)
            ours, cold = f"mlops-new check ({files} files)", f"check --no-cache ({files} files)"
            theirs = f"repo-review ({files} files)"
            large |= hyperfine(
                {
                    ours: f"mlops-new check {big} --format json || true",
                    cold: f"mlops-new check {big} --format json --no-cache || true",
                    theirs: f'"$REPO_REVIEW" {big} --format json || true',
                },
                env,
                args.runs,
                "true",
                tmp / f"big{files}.json",
            )
            for name in (ours, cold):
                ratios[f"{name} / repo-review"] = large[name] / large[theirs]
                targets[f"{name} / repo-review"] = 1.0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"medians_s": {**generated, **large}, "ratios": ratios, "targets": targets}, indent=2
        )
    )
    for name, median in {**generated, **large}.items():
        print(f"{name:36s} {median * 1000:8.1f} ms")
    for name, ratio in ratios.items():
        print(f"{name:36s} {ratio:8.2f}x  (target <= {targets[name]}x)")


if __name__ == "__main__":
    main()
