"""A venue's account of its clock samples, for the benchmarks: where each round trip went.

Started with CLOCK_TRACE_ENV naming a file, the venue appends one JSON line per clock reply: the
four NTP stamps, the host clock beside its own at arrival (the harness's venues run on a shifted
clock, and everything on one host shares the true one, so the true offset and each leg's true
delay are known), the stamps taken on the way (`legs`), and the estimate the estimator makes
right after. Off unless asked for; a write that fails turns it off.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ceremony.clocksync import ClockEstimator

log = logging.getLogger(__name__)

CLOCK_TRACE_ENV = "CEREMONY_CLOCK_TRACE"


class ClockTrace:
    def __init__(self, path: Path | None, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._file: IO[str] | None = None
        # Per probe seq: host-clock stamps taken on its way (send released, reply heard, ...).
        self.legs: dict[int, dict[str, float]] = {}
        if path is not None:
            try:
                self._file = path.open("a", encoding="utf-8")
            except OSError:
                log.warning("cannot write the clock trace to %s", path)

    @classmethod
    def from_env(cls, clock: Callable[[], float], venue: str = "") -> ClockTrace:
        """The trace file $CEREMONY_CLOCK_TRACE names; a `{venue}` in it is the venue's id
        (several venues in one process, or processes sharing one environment)."""
        name = os.environ.get(CLOCK_TRACE_ENV)
        return cls(Path(name.replace("{venue}", venue)) if name else None, clock)

    @property
    def on(self) -> bool:
        return self._file is not None

    def stamp(self, seq: int, what: str, host: float | None = None) -> None:
        if self._file is None:
            return
        self.legs.setdefault(seq, {})[what] = time.monotonic() if host is None else host
        for old in [s for s in self.legs if s < seq - 50]:
            del self.legs[old]

    def reply(
        self, seq: int, stamps: tuple[float, float, float, float], estimator: ClockEstimator
    ) -> None:
        """One clock reply, handled: `stamps` its t1..t4 (t4 read on the venue's clock)."""
        if self._file is None:
            return
        host, local = time.monotonic(), self._clock()
        est = estimator.estimate(local)
        row: dict[str, Any] = {
            "seq": seq,
            "t": stamps,
            "host": host,
            "local": local,
            "legs": self.legs.pop(seq, {}),
            "est": None
            if est is None
            else {"offset": est.offset, "bound": est.bound, "rtt": est.rtt, "n": est.samples},
        }
        self._write(row)

    def event(self, kind: str, **fields: Any) -> None:
        if self._file is None:
            return
        self._write({"kind": kind, "host": time.monotonic(), "local": self._clock(), **fields})

    def _write(self, row: dict[str, Any]) -> None:
        assert self._file is not None
        try:
            self._file.write(json.dumps(row) + "\n")
            self._file.flush()
        except OSError:
            log.warning("clock trace write failed; tracing off")
            self._file = None

    def stage(self, stage: str, data: str | bytes, delay: float | None) -> None:
        """A clock message at a stage of its way (media.control.StageHook)."""
        if self._file is None:
            return
        try:
            msg = json.loads(data)
            seq = int(msg["seq"])
        except (ValueError, KeyError, TypeError):
            return
        self.stamp(seq, stage)
        if delay is not None:
            self.legs[seq][f"{stage}_delay"] = delay
