"""The one place the app reads the clocks it hands to the pure core (which never reads one)."""

from __future__ import annotations

import time
from collections.abc import Callable

from ceremony.timebase import Now

# A monotonic clock, in seconds: what the sessions, the firing thread and the countdown run on.
# Injected so tests and the simulation harness can give a fake or shifted one.
Clock = Callable[[], float]


def now() -> Now:
    return Now(time.monotonic(), time.time())
