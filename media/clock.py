"""The one place the app reads the two clocks it hands to the pure core (which never reads one)."""

from __future__ import annotations

import time

from ceremony.timebase import Now


def now() -> Now:
    return Now(time.monotonic(), time.time())
