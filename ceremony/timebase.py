"""Readings of time passed into the pure core. The core never reads a clock itself."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import msgspec


class Now(msgspec.Struct, frozen=True):
    """One reading of both clocks, taken together by the caller.

    `mono` (seconds, monotonic) measures every duration; `wall` (seconds since the Unix epoch)
    is only for showing times of day and comparing with hard starts.
    """

    mono: float
    wall: float

    def plus(self, seconds: float) -> Now:
        return Now(self.mono + seconds, self.wall + seconds)


def local_epoch(date: dt.date, time_of_day: dt.time, timezone: str) -> float:
    """Epoch seconds of a time of day on the ceremony's date in its time zone."""
    return dt.datetime.combine(date, time_of_day, tzinfo=zoneinfo.ZoneInfo(timezone)).timestamp()


def format_wall(wall: float, timezone: str, *, seconds: bool = True) -> str:
    local = dt.datetime.fromtimestamp(wall, tz=zoneinfo.ZoneInfo(timezone))
    return local.strftime("%H:%M:%S" if seconds else "%H:%M")
