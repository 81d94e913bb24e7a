"""Time to green: from `mlops-new NAME` to a trained, evaluated model, each step timed.

Usage (from a source checkout):

    python bench/bench_time_to_green.py [--runs 3] [--template ./template | --ref 0.3.0]
                                        [--out FILE.json] [--no-bytecode] [--offline-lock]
                                        [-d KEY=VALUE ...]

Installs mlops-new from this checkout into a fresh virtual environment (not
timed), isolates HOME (a git identity, nothing else), keeps the machine's uv
cache warm (one untimed warm-up run fills it), then per run times, in a new
folder, exactly what a new user runs:

1. ``mlops-new NAME --defaults``  (render, ``uv lock``, first commit)
2. ``make setup``                 (``uv sync`` + pre-commit hooks)
3. ``make test``                  (pytest)
4. ``make repro``                 (``dvc repro``: prepare -> train -> evaluate
                                   -> promote -> card; each stage timed too)

It prints each step's median and the end-to-end median (target: <= 30 s on
2 cores with a warm cache) and writes the raw timings as JSON.

Bytecode. A new user's shell does not set ``PYTHONDONTWRITEBYTECODE``, so
Python writes bytecode for what a process imports the first time and every
later process reads it (uv installs packages without compiling them). The
bench runs that way: it removes the variable even where the machine sets it
(``make test``, the first process to import scikit-learn and MLflow, then
pays the compilation once). ``--no-bytecode`` sets it instead and reports the
figure where nothing is ever compiled (every process compiles what it imports
from source: about 3x slower imports). Compiling the whole environment at
``uv sync`` (``[tool.uv] compile-bytecode``) costs more than it saves here:
about 21 s for 12,000 files on 2 cores, against about 10 s for the 3,000 the
project really imports; the Docker image compiles at build time instead
(``UV_COMPILE_BYTECODE=1``), where it is paid once.

The lock. ``uv lock`` resolves against the package index: with a warm cache
uv only revalidates its cached index pages, and skips even that while they
are fresh (PyPI allows 10 minutes); behind an index or proxy that sends no
``Cache-Control``, every page is revalidated each time (about 5 s for the
default project's 193 packages). ``--offline-lock`` runs the create step with
uv's own ``UV_OFFLINE=1``, as a user can, to lock from the cache alone.

Figures (2 cores, ``--runs 1``; seconds, create / setup / test / repro =
total). One series while other agents ran (load about 2):

- template 0.4.0 (bundled), ``--no-bytecode``: 8.2 / 3.2 / 25.7 / 38.6 = 75.7
- this template, ``--no-bytecode``:            8.1 / 2.8 / 23.2 / 34.7 = 68.8
- template 0.4.0 (bundled):                     7.6 / 2.4 / 28.4 / 18.2 = 56.6
- this template (``--template ./template``):   8.0 / 2.8 / 25.5 / 16.7 = 53.0

and one at a quieter moment (load 0.3-1.3), against 0.3.0 (``--ref 0.3.0``:
three stages, no promote or model card):

- template 0.3.0, ``--no-bytecode``:           8.4 / 2.3 / 27.1 / 34.7 = 72.6
- this template, ``--no-bytecode``:            7.7 / 2.4 / 22.9 / 36.0 = 69.0
- template 0.3.0:                               7.1 / 2.8 / 23.2 / 17.3 = 50.5
- this template:                                7.8 / 2.4 / 24.2 / 19.0 = 53.5

and template 0.5.2 (bundled), by tracking option (``-d tracking=...``):

- default (MLflow):                             6.9 / 2.2 / 22.7 / 14.3 = 46.1
- ``-d tracking=dvclive``:                      6.5 / 2.5 / 12.8 /  8.0 = 29.8
- ``-d tracking=none``:                         7.2 / 2.3 / 10.7 /  9.1 = 29.2

The template's share: ``test_promote`` trains once per module, pytest skips
hydra's plugin, pipeline commands and pytest skip the garbage collection at
exit (up to a second per process with MLflow loaded), and the tests keep a
migrated empty MLflow database in pytest's cache (1-1.5 s off every later
session). A later ``make test`` takes about 11 s, against 14-20 s before.
What remains is mostly imports (scikit-learn, MLflow and its SQLAlchemy
store, skops for MLflow's safe model format: about 4 s of train's 6.7) and,
in the first test session, MLflow's migrations.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("create", "make setup", "make test", "make repro")
STAGE = re.compile(r"^Running stage '([^']+)'")


def _env(tmp: Path, *, bytecode: bool) -> tuple[dict[str, str], Path]:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)]
    subprocess.run(pip, check=True)
    home = tmp / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = b@example.com\n")
    dropped = ("VIRTUAL_ENV", "PYTHONPATH", "CI", "PYTHONDONTWRITEBYTECODE", "UV_OFFLINE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
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


def _timed(argv: list[str], cwd: Path, env: dict[str, str], stages: dict[str, float]) -> float:
    """Run ``argv``; its wall time, and the time of each DVC stage it ran into ``stages``."""
    start = time.perf_counter()
    lines: list[str] = []
    stage, since = "", start
    with subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        for line in proc.stdout or ():
            lines.append(line)
            if match := STAGE.match(line):
                now = time.perf_counter()
                if stage:
                    stages[stage] = now - since
                stage, since = match.group(1), now
    returncode = proc.returncode
    elapsed = time.perf_counter() - start
    if stage:
        stages[stage] = start + elapsed - since
    if returncode != 0:
        sys.exit(f"{' '.join(argv)} failed in {cwd}:\n{''.join(lines)[-4000:]}")
    return elapsed


def one_run(
    work: Path, mlops_new: Path, env: dict[str, str], template: list[str], *, offline_lock: bool
) -> tuple[list[float], dict[str, float]]:
    """The four steps in a new folder: their wall times in seconds, and the stages'."""
    work.mkdir()
    create = [str(mlops_new), "proj", "--defaults", *template]
    stages: dict[str, float] = {}
    create_env = {**env, "UV_OFFLINE": "1"} if offline_lock else env
    times = [_timed(create, work, create_env, stages)]
    project = work / "proj"
    times += [
        _timed(["make", target], project, env, stages) for target in ("setup", "test", "repro")
    ]
    return times, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--template", help="render this template folder instead of the bundled")
    parser.add_argument("--ref", help="this bundled template version instead of the newest")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an answer for the project (e.g. tracking=none), as mlops-new's own -d",
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="set PYTHONDONTWRITEBYTECODE=1 (default: Python's default, bytecode written)",
    )
    parser.add_argument(
        "--offline-lock", action="store_true", help="create with UV_OFFLINE=1 (lock from the cache)"
    )
    args = parser.parse_args()
    template = ["--ref", args.ref] if args.ref else []
    if args.template:  # the checkout's own template: trusted, so it is locked as the bundled one
        template = ["--template", str(Path(args.template).resolve()), "--trust"]
    for answer in args.data:
        template += ["-d", answer]
    with tempfile.TemporaryDirectory(prefix="bench-ttg-") as tmp_name:
        tmp = Path(tmp_name)
        env, mlops_new = _env(tmp, bytecode=not args.no_bytecode)
        options = {"offline_lock": args.offline_lock}
        one_run(tmp / "warm-up", mlops_new, env, template, **options)  # fills the uv cache
        results = [
            one_run(tmp / f"run{i}", mlops_new, env, template, **options) for i in range(args.runs)
        ]
    runs = [times for times, _ in results]
    medians = [statistics.median(run[i] for run in runs) for i in range(len(STEPS))]
    total = statistics.median(sum(run) for run in runs)
    stage_names = list(results[0][1])
    stages = {name: statistics.median(r[1].get(name, 0.0) for r in results) for name in stage_names}
    for name, value in zip(STEPS, medians, strict=True):
        print(f"{name:12} {value:6.1f} s")
        if name == "make repro":
            for stage, seconds in stages.items():
                print(f"  {stage:10} {seconds:6.1f} s  (with DVC's own work around it)")
    mode = "no bytecode written" if args.no_bytecode else "bytecode written on first import"
    print(f"{'total':12} {total:6.1f} s  (median of {args.runs}; {mode}; target <= 30 s)")
    if args.out:
        record = {
            "steps": list(STEPS),
            "runs": runs,
            "medians": medians,
            "total": total,
            "stages": [r[1] for r in results],
            "bytecode": not args.no_bytecode,
            "offline_lock": args.offline_lock,
            "answers": args.data,
        }
        args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
