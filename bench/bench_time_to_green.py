"""Time to green: from `mlops-new NAME` to a trained, evaluated model, each step timed.

Usage (from a source checkout):

    python bench/bench_time_to_green.py [--runs 3] [--template ./template] [--out FILE.json]

Installs mlops-new from this checkout into a fresh virtual environment (not
timed), isolates HOME (a git identity, nothing else), keeps the machine's uv
cache warm (one untimed warm-up run fills it), then per run times, in a new
folder, exactly what a new user runs:

1. ``mlops-new NAME --defaults``  (render, ``uv lock``, first commit)
2. ``make setup``                 (``uv sync`` + pre-commit hooks)
3. ``make test``                  (pytest)
4. ``make repro``                 (``dvc repro``: prepare -> train -> evaluate)

It prints each step's median and the end-to-end median (target: <= 30 s on
2 cores with a warm cache) and writes the raw timings as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("create", "make setup", "make test", "make repro")


def _env(tmp: Path) -> tuple[dict[str, str], Path]:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)]
    subprocess.run(pip, check=True)
    home = tmp / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = b@example.com\n")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "CI")}
    (tmp / "tmp").mkdir()
    env.update(
        HOME=str(home),
        TMPDIR=str(tmp / "tmp"),  # the project's pytest never meets others' /tmp leftovers
        PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
        GIT_CONFIG_NOSYSTEM="1",
        UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")),
        UV_PYTHON_DOWNLOADS="never",
    )
    return env, venv / "bin" / "mlops-new"


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed in {cwd}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def one_run(work: Path, mlops_new: Path, env: dict[str, str], template: str | None) -> list[float]:
    """The four steps in a new folder; their wall times in seconds."""
    work.mkdir()
    create = [str(mlops_new), "proj", "--defaults"]
    if template:
        create += ["--template", template]
    times = [_timed(create, work, env)]
    project = work / "proj"
    times += [_timed(["make", target], project, env) for target in ("setup", "test", "repro")]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--template", help="render this template folder instead of the bundled")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    template = str(Path(args.template).resolve()) if args.template else None
    with tempfile.TemporaryDirectory(prefix="bench-ttg-") as tmp_name:
        tmp = Path(tmp_name)
        env, mlops_new = _env(tmp)
        one_run(tmp / "warm-up", mlops_new, env, template)  # fills the uv cache
        runs = [one_run(tmp / f"run{i}", mlops_new, env, template) for i in range(args.runs)]
    medians = [statistics.median(run[i] for run in runs) for i in range(len(STEPS))]
    total = statistics.median(sum(run) for run in runs)
    for name, value in zip(STEPS, medians, strict=True):
        print(f"{name:12} {value:6.1f} s")
    print(f"{'total':12} {total:6.1f} s  (median of {args.runs}; target <= 30 s)")
    if args.out:
        record = {"steps": list(STEPS), "runs": runs, "medians": medians, "total": total}
        args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
