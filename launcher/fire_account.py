"""The countdown benches' account of a decision spread: the clock estimate's part and the firing
thread's part, apart.

Each venue's true fire error (host clock, against the studio's instant) is the sum of two things:
where its clock estimate put the deadline (`placement_ms`, decided before zero) and how late its
firing thread was against that deadline on its own clock (`late_ms`, measured by the venue).
The decision spread can never beat the placement spread; whatever it has beyond it is lateness.
Venues started with media.firing.TRACE_ENV also write how their firing thread spent the last
stretch (on a core, waiting for one, or waiting for the interpreter lock, and what the process's
other threads ran meanwhile); that is attached here per venue.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# A thread this much later than its deadline counts as late in the causes below.
LATE_MS = 0.3


def read_traces(path: Path) -> dict[int, dict[str, Any]]:
    """A venue's fire traces by arm id (the newest per arm); empty if it wrote none."""
    out: dict[int, dict[str, Any]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a line cut short by a killed process
        if isinstance(row, dict) and isinstance(row.get("arm_id"), int):
            out[row["arm_id"]] = row
    return out


def _ms(seconds: Any) -> float | None:
    return round(seconds * 1000, 3) if isinstance(seconds, int | float) else None


def _names_ms(seconds: Any) -> dict[str, float]:
    if not isinstance(seconds, dict):
        return {}
    return {name: round(s * 1000, 3) for name, s in sorted(seconds.items())}


def cause(trace: dict[str, Any]) -> str:
    """What most of a late thread's time went to, beyond its planned waits, from the start of
    its final approach's timed wait to the end of its settle time: "lock" (neither on a core nor
    queued for one: waiting for the interpreter lock, or a late timer), "cpu" (runnable, no core
    free), "run" (its own work; a real-time spin runs by design and is not counted),
    "late_approach" (it reached the final approach's timed wait with no time left to wait: the
    timed wait before it ended late, or getting to it took the whole approach), or "unknown"."""
    parts = {
        # The wait is measured from its own start: what came before it only counts when it
        # left no time to wait at all.
        "late_approach": max(0.0, trace.get("woke_late_s") or 0.0)
        if not trace.get("approach_wait_s")
        else 0.0,
        "lock": trace.get("blocked_s") or 0.0,
        "cpu": trace.get("queued_s") or 0.0,
        "run": trace.get("run_s") or 0.0 if trace.get("mode") != "realtime" else 0.0,
    }
    worst = max(parts, key=lambda k: parts[k])
    return worst if parts[worst] > 0 else "unknown"


def venue_rows(venues: list[dict[str, Any]], traces: dict[str, dict[str, Any]]) -> None:
    """Add `placement_ms` (error less lateness) and the thread's trace, in ms, to each venue row
    of a countdown result (`traces`: by venue id, the trace of this arm)."""
    for v in venues:
        error, late = v.get("error_ms"), v.get("late_ms")
        v["placement_ms"] = (
            round(error - late, 3) if error is not None and late is not None else None
        )
        trace = traces.get(v["id"])
        if trace is None:
            v["fire_trace"] = None
            continue
        v["fire_trace"] = {
            "mode": trace.get("mode"),
            "woke_late_ms": _ms(trace.get("woke_late_s")),
            "approach_setup_ms": _ms(trace.get("approach_setup_s")),
            "approach_wait_ms": _ms(trace.get("approach_wait_s")),
            "planned_sleep_ms": _ms(trace.get("planned_sleep_s")),
            "settle_ms": _ms(trace.get("settle_s")),
            "precise_ms": _ms(trace.get("precise_s")),
            "run_ms": _ms(trace.get("run_s")),
            "queued_ms": _ms(trace.get("queued_s")),
            "lock_ms": _ms(trace.get("blocked_s")),
            "audio_hold_ms": _ms(trace.get("audio_hold_s")),
            "max_gap_ms": _ms(trace.get("max_gap_s")),
            "waits": trace.get("waits"),
            "preempted": trace.get("preempted"),
            "others_run_ms": _names_ms(trace.get("others_run_s")),
            "loop_parked_ms": _ms(trace.get("loop_parked_s")),
            "loop_unparked_ms": _ms(trace.get("loop_unparked_s")),
            "cause": cause(trace),
        }


def trial_split(venues: list[dict[str, Any]]) -> dict[str, Any]:
    """One trial: the decision spread beside the placement spread and each venue's lateness."""
    fired = [v for v in venues if v.get("error_ms") is not None]
    placed = [v["placement_ms"] for v in fired if v.get("placement_ms") is not None]
    late = [v["late_ms"] for v in fired if v.get("late_ms") is not None]
    spread = (
        max(v["error_ms"] for v in fired) - min(v["error_ms"] for v in fired) if fired else None
    )
    placement = max(placed) - min(placed) if placed else None
    return {
        "decision_spread_ms": round(spread, 3) if spread is not None else None,
        "placement_spread_ms": round(placement, 3) if placement is not None else None,
        # What the firing threads added to the spread beyond the clock estimates'.
        "lateness_share_ms": round(spread - placement, 3)
        if spread is not None and placement is not None
        else None,
        "late_ms_by_venue": {v["id"]: v["late_ms"] for v in fired},
        "late_max_ms": max(late) if late else None,
        "late_venues": sorted(v["id"] for v in fired if (v.get("late_ms") or 0.0) > LATE_MS),
    }


def causes(venues: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many late fires (> LATE_MS) went mostly to each cause."""
    out: dict[str, int] = {}
    for v in venues:
        trace = v.get("fire_trace")
        if trace is None or (v.get("late_ms") or 0.0) <= LATE_MS:
            continue
        out[trace["cause"]] = out.get(trace["cause"], 0) + 1
    return out
