"""Running a generated project's CI on this machine: inputs shared by the CI-run tests.

mlops-new comes from a wheel built from this checkout (the pinned
``mlops-new==X.Y.Z`` resolves there through ``UV_FIND_LINKS``); the template
is this checkout's ``template/`` released as a tag in a local git repository;
the jobs' PATH has no git (as in uv's job image).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.commands import REAL_UV_CACHE, run, uv, uv_binary

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEST_TAG = "9.9.9"


def need(tool: str, how: str) -> str:
    """The tool's path; skipped locally, failed in CI (``CI=true``) when missing."""
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is missing: {how} (README, 'Generated-CI tests')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def cache_dir() -> Path:
    """The persistent test cache (``$MLOPS_NEW_TEST_CACHE``, as the buildah tests use)."""
    default = Path.home() / ".cache" / "mlops-new-tests"
    return Path(os.environ.get("MLOPS_NEW_TEST_CACHE") or default)


def wheel(dist: Path) -> Path:
    """A wheel of this checkout in ``dist``."""
    uv = shutil.which("uv", path=str(BIN)) or need("uv", "pip install uv")
    subprocess.run(
        [uv, "build", "--quiet", "--wheel", "--out-dir", str(dist), str(ROOT)], check=True
    )
    (found,) = dist.glob("*.whl")
    return found


def template_repo(where: Path) -> Path:
    """This checkout's template/ as a git repository with one version tag."""
    shutil.copytree(ROOT / "template", where, ignore=shutil.ignore_patterns("__pycache__"))
    for args in (("init", "--quiet"), ("add", "-A"), ("commit", "--quiet", "-m", "t")):
        subprocess.run(["git", *args], cwd=where, check=True, capture_output=True)
    subprocess.run(["git", "tag", f"v{TEST_TAG}"], cwd=where, check=True)
    return where


def create(parent: Path, name: str, template: Path, *args: str) -> Path:
    """``mlops-new NAME --defaults ARGS`` (this checkout's): rendered, locked, committed."""
    mlops_new = shutil.which("mlops-new", path=str(BIN))
    assert mlops_new
    argv = [mlops_new, name, "--template", str(template), "--ref", TEST_TAG, "--defaults"]
    argv += ["--trust", *args]  # our own template copy: locking may run its build backend
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(argv, cwd=parent, check=True, capture_output=True, env=env)
    return parent / name


def project_and_wheel(tmp_path: Path, *args: str) -> tuple[Path, Path]:
    """A project created with ``ARGS`` from this checkout's template, and the folder
    holding a wheel of this checkout (for ``UV_FIND_LINKS``)."""
    dist = tmp_path / "dist"
    wheel(dist)
    template = template_repo(tmp_path / "template")
    return create(tmp_path, "proj", template, *args), dist


def path_without_git(where: Path) -> Path:
    """A folder of links to every system tool but git, and uv: the jobs' PATH."""
    where.mkdir()
    for folder in ("/usr/local/bin", "/usr/bin", "/bin"):
        for tool in Path(folder).glob("*") if Path(folder).is_dir() else ():
            if not tool.name.startswith("git") and not (where / tool.name).exists():
                (where / tool.name).symlink_to(tool)
    for name in ("uv", "uvx"):
        found = shutil.which(name, path=str(BIN)) or shutil.which(name)
        assert found, f"{name} is missing"
        (where / name).unlink(missing_ok=True)
        (where / name).symlink_to(found)
    return where


def warm_cache_copy(where: Path) -> Path:
    """A hard-linked copy of the machine's uv cache: jobs may prune it (``uv cache prune --ci``)."""
    if Path(REAL_UV_CACHE).is_dir():
        proc = subprocess.run(["cp", "-al", REAL_UV_CACHE, str(where)], check=False)
        if proc.returncode == 0:
            return where
    where.mkdir(exist_ok=True)
    return where


FEED = ROOT / "tests" / "e2e" / "stand-ins" / "pip-audit-feed" / "pip_audit_feed.py"


def _feed_wheel(dist: Path) -> Path:
    """A wheel of the pip-audit feed stand-in, with the ``.pth`` file that loads it."""
    dist.mkdir(parents=True, exist_ok=True)
    info = "pip_audit_feed-1.0.dist-info"
    files = {
        "pip_audit_feed.py": FEED.read_bytes(),
        "pip_audit_feed.pth": b"import pip_audit_feed\n",
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: pip-audit-feed\nVersion: 1.0\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()] + [
        f"{info}/RECORD,,"
    ]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = dist / "pip_audit_feed-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def audit_stand_in(where: Path, vulnerabilities: dict[str, list[dict[str, object]]]) -> Path:
    """A folder with ``uv`` and a stand-in ``uvx`` that runs the real pip-audit on the
    offline feed (``vulnerabilities``: ``NAME==VERSION`` to PyPI's vulnerability entries)."""
    where.mkdir(parents=True)
    feed = where / "feed.json"
    feed.write_text(json.dumps(vulnerabilities), encoding="utf-8")
    wheel_path = _feed_wheel(where / "dist")
    uv = uv_binary()
    (where / "uv").symlink_to(uv)
    script = f"""#!/bin/sh
# Stand-in uvx (tests/support/ci_local.py): pip-audit asks the offline feed; the rest runs as is.
case "$1" in
    pip-audit|pip-audit@*|pip-audit==*)
        export PIP_AUDIT_FEED={shlex.quote(str(feed))}
        exec {shlex.quote(uv)} tool run --with {shlex.quote(str(wheel_path))} "$@" ;;
esac
exec {shlex.quote(uv)} tool run "$@"
"""
    (where / "uvx").write_text(script, encoding="utf-8")
    (where / "uvx").chmod(0o755)
    return where


# A finding in PyPI's format, for a release every default project locks (see the audit tests).
def vulnerable(name: str, version: str) -> dict[str, list[dict[str, object]]]:
    entry: dict[str, object] = {
        "id": "PYSEC-0000-0001",
        "aliases": ["CVE-0000-0001"],
        "details": "A stand-in finding for the audit job's tests.",
        "fixed_in": ["999.0"],
    }
    return {f"{name}=={version}": [entry]}


def locked_version(project: Path, name: str) -> str:
    """The version of ``name`` that the project's uv.lock records."""
    lock = (project / "uv.lock").read_text(encoding="utf-8")
    locked = re.search(rf'^name = "{re.escape(name)}"\nversion = "([^"]+)"', lock, re.MULTILINE)
    assert locked, f"{name} is not in uv.lock"
    return locked[1]


def release_model(project: Path) -> str:
    """The team's release: reproduce, push the model to the DVC remote, commit dvc.lock;
    then drop what a release job must pull (the model, the prepared data, DVC's cache)
    and the environment. Returns the model's lineage (``python -m proj lineage``)."""
    uv("sync", "--locked", cwd=project)
    uv("run", "dvc", "repro", cwd=project)
    uv("run", "dvc", "push", cwd=project)
    lineage = uv("run", "python", "-m", "proj", "lineage", cwd=project)
    run(["git", "add", "-A"], project)
    run(["git", "commit", "--quiet", "--no-verify", "-m", "Model v0.1.0"], project)
    for produced in ("models", "data/prepared", ".dvc/cache", ".venv"):
        shutil.rmtree(project / produced)
    return lineage
