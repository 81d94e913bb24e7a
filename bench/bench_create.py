"""Side-by-side timings of mlops-new against copier, on the same machine, in one run.

Usage (from a source checkout; needs hyperfine, from Debian):

    python bench/bench_create.py [--runs 15] [--out bench/results/create.json]

It installs mlops-new (and so copier) into a fresh virtual environment with
bytecode compiled, isolates HOME, then times with hyperfine:

1. ``mlops-new --help``  vs  ``copier --version``           (target: <= 0.5x)
2. ``mlops-new NAME --defaults --no-lock`` (render, git init, first commit)
   vs  ``copier copy --defaults --vcs-ref vX ~/.mlops-new/template DEST``
   of the same template version from the same store           (target: <= 1.0x)
3. ``mlops-new NAME --defaults`` with the default ``uv lock`` (network), for
   information: the cost of a lock file in the first commit.

It prints medians and ratios and writes hyperfine's JSON next to a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sh(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    return subprocess.run(
        args, check=True, capture_output=True, text=True, env=env, cwd=cwd
    ).stdout.strip()


def released_versions() -> list[str]:
    """The bundled template versions of this checkout, oldest first."""
    manifest = json.loads((ROOT / "src/mlops_new/_template/manifest.json").read_text())
    return [entry["version"] for entry in manifest["versions"]]


def make_venv(where: Path) -> Path:
    sh(sys.executable, "-m", "venv", str(where))
    python = where / "bin" / "python"
    sh(str(python), "-m", "pip", "install", "--quiet", "--compile", str(ROOT), "uv")
    sh(str(python), "-m", "compileall", "-q", str(where / "lib"))
    return where / "bin"


def isolated_env(tmp: Path) -> dict[str, str]:
    """A fresh venv with mlops-new installed and compiled, and a HOME with a git identity."""
    bin_dir = make_venv(tmp / "venv")
    home = tmp / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = b@example.com\n")
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def hyperfine(
    commands: dict[str, str], env: dict[str, str], runs: int, prepare: str, export: Path
) -> dict[str, float]:
    args = [
        "hyperfine",
        "--runs",
        str(runs),
        "--warmup",
        "2",
        "--style",
        "none",
        "--export-json",
        str(export),
        "--prepare",
        prepare,
    ]
    for name, command in commands.items():
        args += ["--command-name", name, command]
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    results = json.loads(export.read_text())["results"]
    return {r["command"]: statistics.median(r["times"]) for r in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "create.json")
    args = parser.parse_args()
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine is not installed: apt-get install hyperfine")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mlops-new-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        work = tmp / "work"
        work.mkdir()
        # Materialise the store once, and learn the newest version.
        sh("mlops-new", "warm", "--defaults", "--no-lock", env=env, cwd=work)
        version = sh("mlops-new", "--version", env=env).split("template ")[-1].rstrip(")")
        help_times = hyperfine(
            {"mlops-new --help": "mlops-new --help", "copier --version": "copier --version"},
            env,
            args.runs,
            "true",
            tmp / "help.json",
        )
        create_times = hyperfine(
            {
                "mlops-new NAME --defaults --no-lock": f"mlops-new {work}/p --defaults --no-lock",
                "copier copy --defaults": (
                    f"copier copy --quiet --defaults --vcs-ref v{version} "
                    f"~/.mlops-new/template {work}/p"
                ),
            },
            env,
            args.runs,
            f"rm -rf {work}/p",
            tmp / "create.json",
        )
        lock_times = hyperfine(
            {"mlops-new NAME --defaults (with uv lock)": f"mlops-new {work}/p --defaults"},
            env,
            max(3, args.runs // 5),
            f"rm -rf {work}/p",
            tmp / "lock.json",
        )
    summary = {
        "template_version": version,
        "medians_s": {**help_times, **create_times, **lock_times},
        "ratios": {
            "help / copier --version": help_times["mlops-new --help"]
            / help_times["copier --version"],
            "create (no lock) / copier copy": create_times["mlops-new NAME --defaults --no-lock"]
            / create_times["copier copy --defaults"],
        },
        "targets": {"help / copier --version": 0.5, "create (no lock) / copier copy": 1.0},
    }
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    for name, median in summary["medians_s"].items():
        print(f"{name:45s} {median * 1000:8.1f} ms")
    for name, ratio in summary["ratios"].items():
        target = summary["targets"][name]
        print(f"{name:45s} {ratio:8.2f}x  (target <= {target}x)")


if __name__ == "__main__":
    main()
