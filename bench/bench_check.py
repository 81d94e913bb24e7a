"""`mlops-new check` on one project against `copier check-update` on the same project.

Usage (from a source checkout; needs hyperfine):

    python bench/bench_check.py [--runs 15] [--out bench/results/check.json]

Both run on a project generated at the oldest bundled template version, in a
fresh virtual environment with bytecode compiled and an isolated HOME.
Target: `mlops-new check` <= 0.3x `copier check-update`.
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
    parser.add_argument("--runs", type=int, default=15)
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
        times = hyperfine(
            {
                "mlops-new check": f"mlops-new check {project} --format json || true",
                "copier check-update": f"copier check-update {project} || true",
            },
            env,
            args.runs,
            "true",
            tmp / "check.json",
        )
    ratio = times["mlops-new check"] / times["copier check-update"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"medians_s": times, "ratio": ratio, "target": 0.3}, indent=2))
    for name, median in times.items():
        print(f"{name:25s} {median * 1000:8.1f} ms")
    print(f"{'check / check-update':25s} {ratio:8.2f}x  (target <= 0.3x)")


if __name__ == "__main__":
    main()
