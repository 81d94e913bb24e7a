"""Interrupts around the steps that must not be cut (mlops_new.core.signals).

Each case runs in its own Python process: signal masks and handlers belong to
the process's main thread, which a test runner's worker may not be.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import os, signal
from mlops_new.core import signals

def interrupt(signum, frame):
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, interrupt)

def term():
    os.kill(os.getpid(), signal.SIGTERM)
"""

CASES = {
    "held delivers after the block": (
        """
        reached = []
        try:
            with signals.held():
                term()
                reached.append(1)  # not cut in half
        except KeyboardInterrupt:
            print("interrupted after", reached)
        """,
        "interrupted after [1]",
    ),
    "completing drops an interrupt once done": (
        """
        with signals.completing() as done:
            done()
            term()
        print("kept", signal.getsignal(signal.SIGTERM) is interrupt)
        try:
            term()
        except KeyboardInterrupt:
            print("and interrupts again")
        """,
        "kept True\nand interrupts again",
    ),
    "completing interrupts before done": (
        """
        try:
            with signals.completing():
                term()
                print("not reached")
        except KeyboardInterrupt:
            print("interrupted")
        """,
        "interrupted",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_signals(case: str) -> None:
    body, expected = CASES[case]
    code = PRELUDE + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected
