"""`mlops-new fleet report` over N repositories against a loop of `copier check-update`.

Usage (from a source checkout; needs hyperfine):

    python bench/bench_fleet.py [--sizes 100 1000] [--sample 50] [--shards 10]
                                [--out bench/results/fleet.json]

For each N it makes N synthetic repositories (copies of one generated default
project, each its own git repository, half of them at the oldest bundled
template version) and times ``mlops-new fleet report ROOT --format json --jobs 2``
with hyperfine. The copier loop runs ``copier check-update`` in each of a
sample of repositories (all of them when N <= sample) and is extrapolated to
N: said in the output. Targets: 1,000 repositories in under 10 s on 2 cores,
and at least 50x faster than the copier loop.

With ``--shards K``, the largest fleet is also reported as K shards
(``--shard i/K``, one after another, as K matrix jobs would run them side by
side) and joined with ``fleet merge``: the merged report must equal the
unsharded one (``generated`` aside); the slowest shard and the merge are timed.
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


def make_seeds(env: dict[str, str], where: Path, versions: list[str]) -> list[Path]:
    """One generated project at the oldest and one at the newest bundled version."""
    seeds = []
    for version in dict.fromkeys((versions[0], versions[-1])):
        seed = where / f"seed-{version.replace('.', '-')}"
        sh("mlops-new", str(seed), "--ref", version, "--defaults", "--no-lock", env=env)
        (seed / "uv.lock").write_text("version = 1\n")
        sh("git", "-C", str(seed), "add", "uv.lock", env=env)
        sh("git", "-C", str(seed), "commit", "-qm", "lock", env=env)
        seeds.append(seed)
    return seeds


def make_fleet(where: Path, size: int, seeds: list[Path]) -> Path:
    root = where / f"fleet-{size}"
    for index in range(size):
        shutil.copytree(seeds[index % len(seeds)], root / f"repo-{index:04d}", symlinks=True)
    return root


def copier_loop(env: dict[str, str], repos: list[Path]) -> float:
    start = time.perf_counter()
    for repo in repos:
        subprocess.run(
            ["copier", "check-update", str(repo)],
            env=env,
            cwd=repo,
            capture_output=True,
            check=False,
        )
    return time.perf_counter() - start


def sharded(env: dict[str, str], tmp: Path, root: Path, count: int) -> dict[str, object]:
    """Report ``root`` whole and in ``count`` shards; merge them; compare (``generated`` aside)."""

    def report(*args: str) -> dict[str, object]:
        out = tmp / "report.json"
        subprocess.run(
            ["mlops-new", "fleet", "report", str(root), "--format", "json", "-j", "2",
             "-o", str(out), *args],
            env=env, check=False, capture_output=True,
        )  # fmt: skip
        document: dict[str, object] = json.loads(out.read_text())
        return document

    whole = report()
    files, times = [], []
    for index in range(1, count + 1):
        start = time.perf_counter()
        part = report("--shard", f"{index}/{count}")
        times.append(time.perf_counter() - start)
        files.append(tmp / f"shard-{index}.json")
        files[-1].write_text(json.dumps(part))
    start = time.perf_counter()
    merged = subprocess.run(
        ["mlops-new", "fleet", "merge", *map(str, files), "--format", "json"],
        env=env, check=False, capture_output=True, text=True,
    )  # fmt: skip
    merge_s = time.perf_counter() - start

    def core(document: dict[str, object]) -> dict[str, object]:
        result = document["result"]
        if not isinstance(result, dict):
            sys.exit(f"not a fleet report: {str(document)[:200]}")
        return {key: value for key, value in result.items() if key != "generated"}

    equal = core(json.loads(merged.stdout)) == core(whole)
    return {"count": count, "slowest_s": max(times), "merge_s": merge_s, "equal": equal}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shards", type=int, default=0, help="also report the largest in K shards")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "fleet.json")
    args = parser.parse_args()
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine is not installed: apt-get install hyperfine")
    released = released_versions()
    results = []
    with tempfile.TemporaryDirectory(prefix="mlops-new-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        seeds = make_seeds(env, tmp, released)
        for size in args.sizes:
            root = make_fleet(tmp, size, seeds)
            ours = hyperfine(
                {f"fleet report N={size}": f"mlops-new fleet report {root} --format json -j 2"},
                env,
                args.runs,
                "true",
                tmp / f"fleet-{size}.json",
            )[f"fleet report N={size}"]
            repos = sorted(root.iterdir())
            sample = repos[: args.sample]
            loop = copier_loop(env, sample) * len(repos) / len(sample)
            results.append(
                {
                    "repositories": size,
                    "fleet_report_s": ours,
                    "copier_loop_s": loop,
                    "copier_loop_sampled": len(sample) < len(repos),
                    "sample": len(sample),
                    "speedup": loop / ours,
                }
            )
            if args.shards and size == max(args.sizes):
                results[-1]["shards"] = sharded(env, tmp, root, args.shards)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for row in results:
        if "shards" in row:
            shards = row["shards"]
            print(
                f"N={row['repositories']:5d}  {shards['count']} shards: slowest "
                f"{shards['slowest_s']:.2f} s, merge {shards['merge_s']:.2f} s, "
                f"merged == unsharded: {shards['equal']}"
            )
        sampled = f" (sampled {row['sample']}, extrapolated)" if row["copier_loop_sampled"] else ""
        print(
            f"N={row['repositories']:5d}  fleet report {row['fleet_report_s']:7.2f} s   "
            f"copier check-update loop {row['copier_loop_s']:8.1f} s{sampled}   "
            f"{row['speedup']:6.1f}x"
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = (last["fleet_report_s"] / first["fleet_report_s"]) / (
            last["repositories"] / first["repositories"]
        )
        print(
            f"time grows {growth:.2f}x as fast as N between N={first['repositories']} "
            f"and N={last['repositories']} (1.0 = linear)"
        )


if __name__ == "__main__":
    main()
