"""The one place the app reads the clocks the pure core is given."""

from __future__ import annotations

import time

from ceremony.timebase import Now


def now() -> Now:
    return Now(time.monotonic(), time.time())
