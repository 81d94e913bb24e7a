"""A private temporary folder per process, swept when its process is gone.

Renders, copier's template clones and temporary indexes all go through
:mod:`tempfile`; inside :func:`private_tmp` they land in
``~/.mlops-new/tmp/<pid>-…``.  A process killed with SIGKILL cannot clean up,
so the next one removes the folders of processes that no longer run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlops_new.templates import store


def root() -> Path:
    return store.store_path().parent / "tmp"


@contextmanager
def private_tmp() -> Iterator[Path]:
    """Route :mod:`tempfile` into a folder of this process for the block's duration."""
    base = root()
    try:
        store.private_folder(base)
        sweep(base)
        folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))
    except OSError:  # a read-only store: the system's temporary folder (TMPDIR) instead
        folder = Path(tempfile.mkdtemp(prefix=f"mlops-new-{os.getpid()}-"))
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)


def sweep(base: Path | None = None) -> None:
    """Remove the folders of processes that are no longer running."""
    base = root() if base is None else base
    if not base.is_dir():
        return
    for folder in base.iterdir():
        pid = folder.name.partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
