"""A clock the tests move by hand."""

from __future__ import annotations

from dataclasses import dataclass

from ceremony.timebase import Now


@dataclass
class FakeClock:
    mono: float = 1000.0
    wall: float = 1_797_300_000.0  # 2026-12-15 09:00 WIB, the sample's hard start

    def now(self) -> Now:
        return Now(self.mono, self.wall)

    def advance(self, seconds: float) -> Now:
        self.mono += seconds
        self.wall += seconds
        return self.now()
