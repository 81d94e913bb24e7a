"""Side-by-side timings of `mlops-new update` against `copier update`, in one run.

Usage (from a source checkout; needs hyperfine and two bundled template versions):

    python bench/bench_update.py [--runs 10] [--out bench/results/update.json]

In a fresh virtual environment with bytecode compiled and an isolated HOME, it
creates a project at the oldest bundled version and times, resetting the project
before every run:

1. ``mlops-new update P --to NEW --defaults``  vs
   ``copier update --defaults --vcs-ref vNEW --conflict inline P``   (target: <= 1.1x)
2. ``mlops-new update P --to NEW --defaults --dry-run``  vs  item 1   (target: <= 1.5x)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "update.json")
    args = parser.parse_args()
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine is not installed: apt-get install hyperfine")
    released = released_versions()
    if len(released) < 2:
        sys.exit("the bundle holds a single template version: nothing to update")
    old, new = released[0], released[-1]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mlops-new-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        project = tmp / "p"
        sh("mlops-new", str(project), "--ref", old, "--defaults", "--no-lock", env=env)
        reset = f"git -C {project} reset -q --hard && git -C {project} clean -fdq"
        times = hyperfine(
            {
                "mlops-new update": f"mlops-new update {project} --to {new} --defaults",
                "copier update": (
                    f"copier update --quiet --defaults --vcs-ref v{new} --conflict inline {project}"
                ),
                "mlops-new update --dry-run": (
                    f"mlops-new update {project} --to {new} --defaults --dry-run"
                ),
            },
            env,
            args.runs,
            reset,
            tmp / "update.json",
        )
    summary = {
        "from": old,
        "to": new,
        "medians_s": times,
        "ratios": {
            "update / copier update": times["mlops-new update"] / times["copier update"],
            "dry-run / update": times["mlops-new update --dry-run"] / times["mlops-new update"],
        },
        "targets": {"update / copier update": 1.1, "dry-run / update": 1.5},
    }
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    for name, median in times.items():
        print(f"{name:30s} {median * 1000:8.1f} ms")
    for name, ratio in summary["ratios"].items():
        print(f"{name:30s} {ratio:8.2f}x  (target <= {summary['targets'][name]}x)")


if __name__ == "__main__":
    main()
