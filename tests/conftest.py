"""For every test: the test runner's own thread keeps the scheduling it started with."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def ordinary_scheduling() -> Iterator[None]:
    """Code under test may raise the calling thread to real-time priority (a speaker's audio
    callback called directly asks for it, as PortAudio's thread would). Left so, every later test
    ran at it, and every process a later test started inherited it: a venue started "without
    real-time" had its threads at SCHED_FIFO. Put back after each test."""
    if not hasattr(os, "sched_getscheduler"):
        yield
        return
    policy = os.sched_getscheduler(0)
    param = os.sched_getparam(0)
    yield
    if (os.sched_getscheduler(0), os.sched_getparam(0)) != (policy, param):
        os.sched_setscheduler(0, policy, param)
