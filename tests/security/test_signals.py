"""SIGTERM and SIGHUP during create leave nothing behind, like Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.security.conftest import Scene

ABORTED = 130


def _create_and_kill(scene: Scene, signum: int, after: float) -> tuple[int, str]:
    tmp = scene.root / "tmp"
    tmp.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_new", "proj", "--defaults", "--no-lock"],
        cwd=scene.work,
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(after)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
@pytest.mark.parametrize("after", [0.6, 1.2, 2.0, 3.0])
def test_a_signal_during_create_leaves_nothing_behind(
    scene: Scene, signum: int, after: float
) -> None:
    code, err = _create_and_kill(scene, signum, after)
    left = sorted(p.name for p in scene.work.iterdir())
    assert "Traceback" not in err, err
    assert not [name for name in left if name.startswith(".")], f"staging left: {left}"
    assert list((scene.root / "tmp").iterdir()) == [], "temporary files left behind"
    if code == 0:  # finished before the signal: a complete project
        assert left == ["proj"]
        assert (scene.work / "proj" / ".git").is_dir()
    else:  # or, while Python starts, the signal's own exit (or Ctrl-C's): nothing made yet
        assert code in (ABORTED, -signum, -signal.SIGINT), (code, err)
        assert left == [], f"an interrupted create left {left}"


def _create(scene: Scene, name: str) -> subprocess.CompletedProcess[str]:
    """``mlops-new NAME --defaults --no-lock`` in the scene's work folder, to its end."""
    return subprocess.run(
        [sys.executable, "-m", "mlops_new", name, "--defaults", "--no-lock"],
        cwd=scene.work,
        capture_output=True,
        text=True,
        check=False,
    )


def test_dot_dot_in_the_name_leaves_no_empty_folder(scene: Scene) -> None:
    proc = _create(scene, "a/../b")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in scene.work.iterdir()) == ["b"]


@pytest.mark.parametrize(
    ("name", "words"),
    [("p" * 300, ["characters long"]), ("ro/proj", ["ro", "Permission denied"])],
    ids=["long-name", "read-only-parent"],
)
def test_file_system_refusals_are_user_errors(scene: Scene, name: str, words: list[str]) -> None:
    readonly = scene.work / "ro"
    readonly.mkdir()
    readonly.chmod(0o500)
    try:
        proc = _create(scene, name)
    finally:
        readonly.chmod(0o700)
    if os.geteuid() == 0 and name.startswith("ro/"):
        pytest.skip("root writes into read-only folders")
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr
    assert sorted(p.name for p in scene.work.iterdir()) == ["ro"]
    assert list(readonly.iterdir()) == []


def test_a_read_only_store_is_a_store_error(scene: Scene) -> None:
    home = Path(os.environ["HOME"])
    (home / ".mlops-new").mkdir()
    (home / ".mlops-new" / "template").write_text("not a store\n", encoding="utf-8")
    proc = _create(scene, "proj")
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "template store" in proc.stderr
    assert list(scene.work.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "words"),
    [("bad\x1b[31mname", ["\\x1b", "not a valid project name"]), ("dangling", ["symlink"])],
    ids=["terminal-escape", "dangling-symlink"],
)
def test_bad_targets_are_clear_errors(scene: Scene, name: str, words: list[str]) -> None:
    (scene.work / "dangling").symlink_to(scene.outside / "missing")
    proc = _create(scene, name)
    assert proc.returncode == 4, proc.stderr
    assert "\x1b" not in proc.stderr
    for word in words:
        assert word in proc.stderr
    assert sorted(p.name for p in scene.work.iterdir()) == ["dangling"]
    scene.assert_untouched()


LOST_IN_A_CALLBACK = """
import os, signal
from mlops_new.core.signals import install as install_signal_handlers

install_signal_handlers()

class Callback:
    def __del__(self):  # Python cannot raise from here: it prints "Exception ignored"
        os.kill(os.getpid(), signal.SIGTERM)
        sum(range(100_000))

try:
    Callback()
    sum(range(10_000_000))
    print("not interrupted")
except KeyboardInterrupt as exc:
    print("interrupted", exc)
"""


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """``python -c CODE`` with this interpreter, to its end."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


def test_a_signal_that_lands_in_a_callback_is_delivered_not_printed() -> None:
    proc = _python(LOST_IN_A_CALLBACK)
    assert proc.stdout.strip() == "interrupted SIGTERM", proc.stdout + proc.stderr
    assert "Exception ignored" not in proc.stderr, proc.stderr


WRAPPED_BY_PYTHON = """
import os, signal
from mlops_new.core.signals import install as install_signal_handlers
from mlops_new.cli._errors import handled

install_signal_handlers()

class Field:
    def __set_name__(self, owner, name):  # Python 3.11 wraps what this raises in RuntimeError
        os.kill(os.getpid(), signal.SIGTERM)
        sum(range(1_000_000))

with handled():
    class Journal:  # as a dataclass module being imported when the signal lands
        stages = Field()
print("not interrupted")
"""


def test_a_signal_python_wraps_in_another_error_is_still_an_abort() -> None:
    proc = _python(WRAPPED_BY_PYTHON)
    assert proc.returncode == ABORTED, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Aborted" in proc.stderr
