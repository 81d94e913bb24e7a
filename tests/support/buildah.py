"""Build and run a generated project's Docker image with buildah: no daemon, no registry.

The Dockerfile's base images cannot be pulled here, so this module builds local
stand-ins under the same names and the build runs with ``--pull=never``:

* ``python:3.11-slim-bookworm``: a ``debootstrap --variant=minbase`` Debian bookworm
  with ``python3`` and ``ca-certificates``, plus the ``/usr/local/bin/python*`` links
  that python:slim has. Debian bookworm ships Python 3.11, so only that version can be
  stood in for.
* ``ghcr.io/astral-sh/uv:<tag>``: ``/uv`` and ``/uvx`` taken from the uv wheel installed
  in the test environment.

The debootstrap rootfs is cached as a tarball in :func:`cache_dir`, and the stand-in
images stay in a buildah store there, so only the first run pays for debootstrap
(``sudo rm -rf`` the cache to start afresh: root owns parts of it).
``RUN --mount=type=cache`` directories live there too (buildah keeps them in TMPDIR).

buildah and debootstrap need root: when the tests do not run as root, every privileged
command goes through ``sudo -n``. ``--isolation=chroot`` needs no OCI runtime and shares
the host network: the build reaches the package index, and the tests reach the served
API on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Resolved at import, before any test isolates HOME.
_DEFAULT_CACHE = Path(
    os.environ.get("MLOPS_NEW_TEST_CACHE") or Path.home() / ".cache" / "mlops-new-tests"
)

DEBIAN_MIRROR = os.environ.get("MLOPS_NEW_DEBIAN_MIRROR", "http://deb.debian.org/debian")
DEBIAN_SUITE = "bookworm"
DEBIAN_PYTHON = "3.11"
DEBIAN_PACKAGES = ("python3", "ca-certificates")
# debootstrap verifies the mirror's Release file with this keyring.
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
# What a Debian or Ubuntu host (CI included) installs to run these builds.
APT_PACKAGES = ("buildah", "debootstrap", "debian-archive-keyring")
# Bump to rebuild every cached rootfs and stand-in image after changing the recipe.
RECIPE_VERSION = "1"
RECIPE_LABEL = "io.mlops-new.tests.recipe"
IMAGE_PATH = "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
_OUTPUT_LIMIT = 20_000

# Run as root inside the fresh rootfs: drop apt's caches, add python:slim's links.
_FINISH_ROOTFS = f"""
set -eu
root="$1"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
test -x "$root/usr/bin/python{DEBIAN_PYTHON}"
ln -sf /usr/bin/python{DEBIAN_PYTHON} "$root/usr/local/bin/python{DEBIAN_PYTHON}"
ln -sf python{DEBIAN_PYTHON} "$root/usr/local/bin/python3"
ln -sf python3 "$root/usr/local/bin/python"
"""


class CommandError(RuntimeError):
    """A command failed; the message carries its full (tail of) output."""

    def __init__(self, argv: Sequence[str], returncode: int | None, output: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.output = output
        status = "timed out" if returncode is None else f"exited with {returncode}"
        super().__init__(f"`{shlex.join(self.argv)}` {status}:\n{output[-_OUTPUT_LIMIT:]}")


class NoStandInError(RuntimeError):
    """The Dockerfile names a base image this module cannot build locally."""


def cache_dir() -> Path:
    """The persistent cache: ``$MLOPS_NEW_TEST_CACHE``, else ``~/.cache/mlops-new-tests``."""
    return Path(os.environ.get("MLOPS_NEW_TEST_CACHE") or _DEFAULT_CACHE)


def run(argv: Sequence[str], *, timeout: float = 600, cwd: Path | None = None) -> str:
    """Run ``argv`` and return its output (stdout and stderr together)."""
    try:
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.output.decode(errors="replace") if isinstance(exc.output, bytes) else ""
        raise CommandError(argv, None, output) from exc
    if proc.returncode != 0:
        raise CommandError(argv, proc.returncode, proc.stdout)
    return proc.stdout


def _privileged() -> list[str]:
    return [] if os.geteuid() == 0 else ["sudo", "-n"]


def _tool(name: str) -> str:
    found = shutil.which(name, path=_SBIN_PATH)
    if found is None:
        raise FileNotFoundError(name)
    return found


def unavailable_reason() -> str | None:
    """Why images cannot be built here (``None`` when they can)."""
    missing = [
        name for name in ("buildah", "debootstrap") if not shutil.which(name, path=_SBIN_PATH)
    ]
    if not Path(DEBIAN_KEYRING).is_file():
        missing.append("debian-archive-keyring")
    if missing:
        return f"missing {', '.join(missing)}: apt-get install {' '.join(APT_PACKAGES)}"
    if os.geteuid() != 0 and not _passwordless_sudo():
        return "buildah and debootstrap need root: run as root or with passwordless sudo"
    return None


def _passwordless_sudo() -> bool:
    if shutil.which("sudo") is None:
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_tree(path: Path) -> None:
    """``rm -rf`` as root, unmounting first whatever a failed debootstrap left mounted."""
    prefix = f"{path.resolve()}/"
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(prefix)), reverse=True):
        run([*_privileged(), "umount", "--lazy", mount])
    run([*_privileged(), "rm", "-rf", "--one-file-system", str(path)])


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


# --- the Debian rootfs --------------------------------------------------------------


def _rootfs_name() -> str:
    return f"debian-{DEBIAN_SUITE}-minbase-{'-'.join(DEBIAN_PACKAGES)}-r{RECIPE_VERSION}.tar.gz"


def debian_rootfs(cache: Path) -> Path:
    """The cached rootfs tarball of the python:slim stand-in, made on first use."""
    tarball = cache / _rootfs_name()
    with _file_lock(cache / "debian.lock"):
        if not tarball.exists():
            _debootstrap(tarball)
    return tarball


def _debootstrap(tarball: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="debootstrap-", dir=tarball.parent))
    rootfs, partial = work / "rootfs", work / "rootfs.tar.gz"
    sudo = _privileged()
    try:
        run(
            [
                *sudo,
                _tool("debootstrap"),
                "--variant=minbase",
                f"--include={','.join(DEBIAN_PACKAGES)}",
                f"--keyring={DEBIAN_KEYRING}",
                DEBIAN_SUITE,
                str(rootfs),
                DEBIAN_MIRROR,
            ],
            timeout=1800,
        )
        run([*sudo, "sh", "-c", _FINISH_ROOTFS, "sh", str(rootfs)])
        run([*sudo, "tar", "--numeric-owner", "-C", str(rootfs), "-czf", str(partial), "."])
        run([*sudo, "mv", str(partial), str(tarball)])
    finally:
        _remove_tree(work)


# --- buildah ------------------------------------------------------------------------


@dataclass(frozen=True)
class Buildah:
    """buildah on a private store: images in ``root``, transient state in ``runroot``."""

    root: Path
    runroot: Path
    tmpdir: Path

    def argv(self, *args: str) -> list[str]:
        env = [f"TMPDIR={self.tmpdir}"]
        if os.environ.get("STORAGE_DRIVER"):
            env.append(f"STORAGE_DRIVER={os.environ['STORAGE_DRIVER']}")
        store = ["--root", str(self.root), "--runroot", str(self.runroot)]
        return [*_privileged(), "env", *env, _tool("buildah"), *store, *args]

    def __call__(self, *args: str, timeout: float = 600) -> str:
        return run(self.argv(*args), timeout=timeout).strip()

    def inspect(self, image: str) -> dict[str, Any] | None:
        """``buildah inspect`` of a local image, ``None`` when it is not in the store."""
        try:
            data: dict[str, Any] = json.loads(self("inspect", "--type", "image", image))
        except CommandError:
            return None
        return data

    def image_config(self, image: str) -> dict[str, Any]:
        """The Docker image config (Cmd, User, Healthcheck, ExposedPorts, ...)."""
        data = self.inspect(image)
        if data is None:
            raise LookupError(f"image {image} is not in the store {self.root}")
        config: dict[str, Any] = data["Docker"]["config"]
        return config

    def remove_image(self, image: str) -> None:
        with contextlib.suppress(CommandError):
            self("rmi", "--force", image)


@contextlib.contextmanager
def session(cache: Path | None = None) -> Iterator[Buildah]:
    """A :class:`Buildah` whose images persist in the cache.

    Every process using one store must share its runroot (lock files, mount state), so
    the runroot is a fixed directory under the temporary directory, not one per session.
    """
    base = (cache or cache_dir()) / "buildah"
    tmpdir = base / "tmp"
    tmpdir.mkdir(parents=True, exist_ok=True)
    key = _digest(str(base.resolve()).encode())
    runroot = Path(tempfile.gettempdir()) / f"mlops-new-buildah-{os.getuid()}-{key}"
    runroot.mkdir(mode=0o700, exist_ok=True)
    yield Buildah(root=base / "storage", runroot=runroot, tmpdir=tmpdir)


_CTR = "<container>"  # stands for the working container's name in build steps


def _commit_scratch_image(
    bh: Buildah, image: str, recipe: str, steps: Sequence[Sequence[str]]
) -> None:
    """Replace ``image`` by one built ``FROM scratch`` with buildah ``steps``."""
    bh.remove_image(image)
    ctr = bh("from", "scratch")
    try:
        for step in steps:
            bh(*(ctr if arg == _CTR else arg for arg in step))
        bh("config", "--label", f"{RECIPE_LABEL}={recipe}", ctr)
        bh("commit", "--quiet", "--format", "docker", ctr, image)
    finally:
        bh("rm", ctr)


def _is_current(bh: Buildah, image: str, recipe: str) -> bool:
    data = bh.inspect(image)
    labels = (data or {}).get("Docker", {}).get("config", {}).get("Labels") or {}
    return bool(labels.get(RECIPE_LABEL) == recipe)


def ensure_python_image(bh: Buildah, image: str, cache: Path) -> None:
    """Build the python:slim stand-in ``image`` unless the store has a current one.

    Where the host points ``SSL_CERT_FILE`` at its own CA bundle (a TLS-inspecting
    proxy), the image gets that bundle and variable too, or uv could not reach PyPI.
    """
    ca_bundle = os.environ.get("SSL_CERT_FILE")
    ca_text = Path(ca_bundle).read_bytes() if ca_bundle and Path(ca_bundle).is_file() else b""
    recipe = _digest(_rootfs_name().encode(), ca_text)
    if _is_current(bh, image, recipe):
        return
    tarball = debian_rootfs(cache)
    certs = "/etc/ssl/certs/ca-certificates.crt"
    steps: list[list[str]] = [["add", _CTR, str(tarball), "/"]]
    env = ["--env", f"PATH={IMAGE_PATH}", "--env", "LANG=C.UTF-8"]
    if ca_text:
        steps.append(["copy", _CTR, str(ca_bundle), certs])
        env += ["--env", f"SSL_CERT_FILE={certs}"]
    steps.append(["config", *env, "--cmd", "python3", _CTR])
    _commit_scratch_image(bh, image, recipe, steps)


def uv_binary() -> Path:
    """The uv executable of the test environment (its wheel's binary)."""
    try:
        import uv  # optional: fall back to PATH

        return Path(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        return Path(_tool("uv"))


def ensure_uv_image(bh: Buildah, image: str) -> None:
    """Build the ghcr.io/astral-sh/uv stand-in: ``/uv`` and ``/uvx`` from the local wheel."""
    uv = uv_binary()
    uvx = uv.with_name("uvx")
    recipe = _digest(uv.read_bytes(), uvx.read_bytes())
    if not _is_current(bh, image, recipe):
        _commit_scratch_image(bh, image, recipe, [["copy", _CTR, str(uv), str(uvx), "/"]])


# --- the Dockerfile -----------------------------------------------------------------

_FROM = re.compile(
    r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE | re.MULTILINE
)
_COPY_FROM = re.compile(r"^\s*COPY\s+(?:--\S+\s+)*?--from=(\S+)", re.IGNORECASE | re.MULTILINE)


def base_images(dockerfile: str) -> set[str]:
    """External images a Dockerfile builds on (``FROM`` and ``COPY --from``), not its stages."""
    stages = {m[2].lower() for m in _FROM.finditer(dockerfile) if m[2]}
    refs = {m[1] for m in _FROM.finditer(dockerfile)} | {
        m[1] for m in _COPY_FROM.finditer(dockerfile)
    }
    return {
        ref for ref in refs if ref.lower() not in stages and ref != "scratch" and not ref.isdigit()
    }


def qualify(ref: str) -> str:
    """``python:3.11`` -> ``docker.io/library/python:3.11`` (how buildah names it)."""
    first, _, rest = ref.partition("/")
    if not rest:
        return f"docker.io/library/{ref}"
    if "." in first or ":" in first or first == "localhost":
        return ref
    return f"docker.io/{ref}"


def ensure_base_images(bh: Buildah, dockerfile: Path, cache: Path | None = None) -> list[str]:
    """Put local stand-ins for every base image ``dockerfile`` names into the store."""
    cache = cache or cache_dir()
    python = f"docker.io/library/python:{DEBIAN_PYTHON}-slim-{DEBIAN_SUITE}"
    images = sorted(qualify(ref) for ref in base_images(dockerfile.read_text(encoding="utf-8")))
    unknown = [i for i in images if i != python and not i.startswith("ghcr.io/astral-sh/uv:")]
    if unknown or any("@" in image for image in images):
        raise NoStandInError(
            f"{dockerfile} builds on {', '.join(unknown or images)}: only {python} and "
            "ghcr.io/astral-sh/uv:<tag> (no digest) have local stand-ins."
        )
    with _file_lock(cache / "images.lock"):  # pytest-xdist workers share the store
        for image in images:
            if image == python:
                ensure_python_image(bh, image, cache)
            else:
                ensure_uv_image(bh, image)
    return images


def build(bh: Buildah, context: Path, tag: str, *, timeout: float = 1800) -> str:
    """``buildah build`` the Dockerfile in ``context`` without pulling; returns the log."""
    return bh(
        "build",
        "--isolation=chroot",
        "--format=docker",
        "--pull=never",
        "--tag",
        tag,
        str(context),
        timeout=timeout,
    )


# --- running the image --------------------------------------------------------------


@dataclass(frozen=True)
class Container:
    """A working container from an image, with one background process running in it."""

    bh: Buildah
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def exec(self, *argv: str, timeout: float = 120) -> str:
        """Run another command in the same container (as the image's user); return its output."""
        return self.bh("run", "--isolation=chroot", self.name, "--", *argv, timeout=timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-_OUTPUT_LIMIT:]


@contextlib.contextmanager
def running(bh: Buildah, image: str, command: Sequence[str], log: Path) -> Iterator[Container]:
    """Start ``command`` in a container of ``image`` in the background; stop and remove it after."""
    name = bh("from", "--pull=never", image)
    try:
        with log.open("wb") as sink:
            process = subprocess.Popen(
                bh.argv("run", "--isolation=chroot", name, "--", *command),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            yield Container(bh, name, process, log)
        finally:
            _stop(process)
    finally:
        bh("rm", name)


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)


def free_port() -> int:
    """A free TCP port below the ephemeral range, so that no outgoing connection takes it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(100):
        port = random.randrange(10_000, max(low, 10_001))  # noqa: S311 - not cryptographic
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError("no free TCP port found")


def wait_for_http(url: str, container: Container, timeout: float = 120) -> tuple[int, bytes]:
    """Poll ``url`` until it answers; fail early, with the server's output, if it exits."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if container.process.poll() is not None:
            raise RuntimeError(
                f"the server exited with {container.process.returncode}:\n{container.output()}"
            )
        try:
            with opener.open(url, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(
        f"{url} did not answer within {timeout:.0f}s; server output:\n{container.output()}"
    )
