"""The one place the app reads the clocks it hands to the pure core (which never reads one)."""

from __future__ import annotations

import time
from collections.abc import Callable

from ceremony.timebase import Now

# A monotonic clock, in seconds: what the sessions, the firing thread and the countdown run on.
# Injected so tests and the simulation harness can give a fake or shifted one.
Clock = Callable[[], float]

# A reading of a venue's `Clock` as the host's monotonic clock at the same instant: the simulation
# harness's true time (a shifted or drifting clock is a function of the host's, so the instant a
# reading was taken is exact, however long the thread waited before it could look again).
HostOf = Callable[[float], float]


def same_clock(reading: float) -> float:
    """`HostOf` for a venue whose clock is the host's own."""
    return reading


def now() -> Now:
    return Now(time.monotonic(), time.time())
