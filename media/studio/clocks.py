"""The engine's clocks, injected once: every part of the studio reads time through these."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ceremony.timebase import Now
from media.clock import Clock


@dataclass(frozen=True)
class Clocks:
    """`mono` measures every duration and is the clock the session protocol and the countdown
    run on; `wall` is for times of day and token expiry. Tests and the simulation harness give
    fake or shifted ones."""

    mono: Clock = time.monotonic
    wall: Clock = time.time

    def now(self) -> Now:
        """Both clocks read together, for the pure core (ceremony.timebase.Now)."""
        return Now(self.mono(), self.wall())
