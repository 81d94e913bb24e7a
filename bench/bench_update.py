"""Side-by-side timings of `mlops-new update` against `copier update`, in one run.

Usage (from a source checkout; needs hyperfine and two bundled template versions):

    python bench/bench_update.py [--runs 10] [--fleet 100] [--sample 10]
                                 [--out bench/results/update.json]

In a fresh virtual environment with bytecode compiled and an isolated HOME, it
creates a project at the oldest bundled version and times, resetting the
project before every run:

1. ``mlops-new update P --to NEW --defaults``, with the render cache warm and
   emptied before each run (cold), vs ``copier update --defaults --vcs-ref vNEW
   --conflict inline P`` (target: <= 0.5x);
2. ``mlops-new update P --to NEW --defaults --dry-run`` vs ``copier update``
   (target: <= 0.5x);
3. ``mlops-new fleet update ROOT --to NEW -j 2`` over ``--fleet`` copies of the
   project (one run, timed) vs a loop of ``copier update`` over ``--sample``
   of them, extrapolated to the fleet (said in the output; target >= 10x).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_create import ROOT, hyperfine, isolated_env, released_versions, sh


def copier_update(new: str, project: Path) -> str:
    return f"copier update --quiet --defaults --vcs-ref v{new} --conflict inline {project}"


def single(env: dict[str, str], tmp: Path, old: str, new: str, runs: int) -> dict[str, float]:
    project = tmp / "p"
    sh("mlops-new", str(project), "--ref", old, "--defaults", "--no-lock", env=env)
    reset = f"git -C {project} reset -q --hard && git -C {project} clean -fdq"
    renders = Path(env["HOME"]) / ".mlops-new" / "renders"
    return hyperfine(
        {
            "mlops-new update": f"mlops-new update {project} --to {new} --defaults",
            "mlops-new update (cold cache)": (
                f"rm -rf {renders} && mlops-new update {project} --to {new} --defaults"
            ),
            "mlops-new update --dry-run": (
                f"mlops-new update {project} --to {new} --defaults --dry-run"
            ),
            "copier update": copier_update(new, project),
        },
        env,
        runs,
        reset,
        tmp / "update.json",
    )


def fleet(
    env: dict[str, str], tmp: Path, old: str, new: str, size: int, sample: int
) -> dict[str, float | int]:
    seed = tmp / "seed"
    sh("mlops-new", str(seed), "--ref", old, "--defaults", "--no-lock", env=env)
    root = tmp / "fleet"
    for index in range(size):
        shutil.copytree(seed, root / f"repo-{index:04d}", symlinks=True)
    start = time.perf_counter()
    subprocess.run(
        ["mlops-new", "fleet", "update", str(root), "--to", new, "-j", "2", "--format", "json"],
        env=env,
        capture_output=True,
        check=True,
    )
    ours = time.perf_counter() - start
    repos = sorted(root.iterdir())[:sample]
    start = time.perf_counter()
    for repo in repos:
        subprocess.run(copier_update(new, repo).split(), env=env, capture_output=True, check=True)
    loop = (time.perf_counter() - start) * size / len(repos)
    return {"repositories": size, "fleet_update_s": ours, "copier_loop_s": loop, "sample": sample}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--fleet", type=int, default=100)
    parser.add_argument("--sample", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "update.json")
    args = parser.parse_args()
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine is not installed: apt-get install hyperfine")
    released = released_versions()
    if len(released) < 2:
        sys.exit("the bundle holds a single template version: nothing to update")
    old, new = released[0], released[-1]
    with tempfile.TemporaryDirectory(prefix="mlops-new-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        times = single(env, tmp, old, new, args.runs)
        many = fleet(env, tmp, old, new, args.fleet, min(args.sample, args.fleet))
    copier = times["copier update"]
    summary = {
        "from": old,
        "to": new,
        "medians_s": times,
        "fleet": many,
        "ratios": {
            "update / copier update": times["mlops-new update"] / copier,
            "update (cold cache) / copier update": times["mlops-new update (cold cache)"] / copier,
            "dry-run / copier update": times["mlops-new update --dry-run"] / copier,
            "copier loop / fleet update": many["copier_loop_s"] / many["fleet_update_s"],
        },
        "targets": {
            "update / copier update": "<= 0.5",
            "update (cold cache) / copier update": "<= 0.5",
            "dry-run / copier update": "<= 0.5",
            "copier loop / fleet update": ">= 10",
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"v{old} -> v{new}")
    for name, median in times.items():
        print(f"{name:36s} {median * 1000:8.1f} ms")
    print(
        f"fleet update of {many['repositories']} repositories: {many['fleet_update_s']:.1f} s; "
        f"copier update loop {many['copier_loop_s']:.1f} s "
        f"(sampled {many['sample']}, extrapolated)"
    )
    for name, ratio in summary["ratios"].items():
        print(f"{name:36s} {ratio:8.2f}x  (target {summary['targets'][name]})")


if __name__ == "__main__":
    main()
