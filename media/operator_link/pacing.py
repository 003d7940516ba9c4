"""How often the operator link makes tile pictures: fewer while the engine's loop is late.

The tile loop asks to be woken every 1/15 s; how late it wakes tells how busy the engine's loop
(or the machine under it) is. While it wakes late, the consoles get fewer pictures: the engine
scales and frames fewer, and each console converts and paints fewer (its CPU is mostly tiles),
which is CPU the engine and, on a shared machine, its neighbours get back when they are short
of it. Pure: it is given each lateness, it reads no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

# Smoothed lateness above which only every 2nd, 3rd tick makes pictures (program and preview
# at 7.5, 5 fps, the venues' tiles a third of that). A quiet engine wakes within about a
# millisecond (asyncio's timer resolution); one whose loop is late by several milliseconds on
# average is short of CPU or busy with its peers.
BUSY_S = 0.004
VERY_BUSY_S = 0.012
CALM_S = 0.002  # back to every tick only below this (no flapping at the edge)
WEIGHT = 0.2  # of the newest lateness in the smoothed one: about the last five ticks


@dataclass
class TilePacer:
    busy_s: float = BUSY_S
    very_busy_s: float = VERY_BUSY_S
    calm_s: float = CALM_S
    weight: float = WEIGHT
    smoothed_s: float = 0.0
    every: int = 1  # ticks per picture tick now
    ticks: int = 0
    made: int = 0  # ticks that made pictures

    def tick(self, lateness_s: float) -> bool:
        """One wake-up of the tile loop, `lateness_s` after it was due: True when this tick
        makes pictures."""
        self.smoothed_s += self.weight * (max(0.0, lateness_s) - self.smoothed_s)
        s = self.smoothed_s
        if s > self.very_busy_s:
            self.every = 3
        elif s > self.busy_s:
            self.every = 2
        elif s < self.calm_s:
            self.every = 1
        # (between calm and busy: as it was, so that it does not flap at the edge)
        self.ticks += 1
        if self.ticks % self.every:
            return False
        self.made += 1
        return True
