"""Interrupts around the steps that must not be cut (mlops_new.signals)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from mlops_new import signals


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@pytest.fixture
def sigterm_interrupts() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _interrupt)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.mark.usefixtures("sigterm_interrupts")
def test_held_delivers_the_signal_after_the_block() -> None:
    reached = []

    def step() -> None:
        with signals.held():
            os.kill(os.getpid(), signal.SIGTERM)
            reached.append(True)  # not cut in half

    with pytest.raises(KeyboardInterrupt):
        step()
    assert reached == [True]


@pytest.mark.usefixtures("sigterm_interrupts")
def test_completing_drops_an_interrupt_once_the_work_is_done() -> None:
    with signals.completing() as done:
        done()
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is _interrupt  # the handler is back
    with pytest.raises(KeyboardInterrupt):  # and interrupts work again afterwards
        os.kill(os.getpid(), signal.SIGTERM)


@pytest.mark.usefixtures("sigterm_interrupts")
def test_completing_still_interrupts_before_the_work_is_done() -> None:
    with pytest.raises(KeyboardInterrupt), signals.completing():
        os.kill(os.getpid(), signal.SIGTERM)
