"""`ceremony bench session`: the live session's numbers, as JSON.

Runs the demo with two incidents: one venue frozen with SIGSTOP (its sockets stay open, so only
the missing heartbeats can tell: this measures heartbeat-loss detection) and one killed with
SIGKILL and restarted (loss seen, rejoin time, the other venues' program rate meanwhile).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import sys
import time
from typing import Any

from ceremony import runsheet
from ceremony.runsheet import Runsheet
from launcher.demo import Demo, DemoOptions, Incident, SimOptions, countdown_result, summarize
from launcher.paths import Paths
from media.netsim import NetKind
from media.studio import StudioEngine

WARM_UP_S = 12.0


def main(args: argparse.Namespace) -> int:
    if args.bench == "sync":
        return sync(args)
    sheet = runsheet.load(Paths.default().sample_runsheet())
    venues = [v.id for v in sheet.venues]
    options = DemoOptions(venues=args.venues, duration_s=args.duration, out=args.out)
    if args.venues >= 2:
        options.incidents = [
            Incident(
                "freeze", venues[1 % len(venues)], at_s=args.duration * 0.25, restart_after_s=5.0
            ),
            Incident(
                "kill",
                venues[-1] if args.venues <= len(venues) else venues[0],
                at_s=args.duration * 0.55,
                restart_after_s=3.0,
            ),
        ]
    progress = sys.stderr if args.json else sys.stdout
    report = asyncio.run(Demo(sheet, options, progress).run())
    result = {
        "bench": "session",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "venues": args.venues,
        "join_s": [v["join_s"] for v in report["venues"]],
        "video_ratio_at_studio": [v["video_ratio"] for v in report["venues"]],
        "program_ratio_at_venues": [v["program_ratio"] for v in report["venues"]],
        "program_fps_sent": report["program_fps_sent"],
        "rtt_ms": [v["rtt_ms"] for v in report["venues"]],
        "incidents": report["incidents"],
        "report": str(args.out / "report.json"),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(summarize(report))
    return 0


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def sync(args: argparse.Namespace) -> int:
    """`ceremony bench sync`: arm the countdown `trials` times and measure true fire times."""
    sheet = runsheet.load(Paths.default().sample_runsheet())
    sim = SimOptions(
        net=NetKind(args.net),
        clock_offset_max_s=args.clock_offset_max,
        drift_ppm=args.drift_ppm,
        asymmetry_ms=args.asymmetry_ms,
        seed=args.seed,
    )
    options = DemoOptions(
        venues=args.venues, duration_s=60, out=args.out, sim=sim, venue_media=args.media
    )
    progress = sys.stderr if args.json else sys.stdout
    demo = Demo(sheet, options, progress)
    trials: list[dict[str, Any]] = []

    async def body(engine: StudioEngine, _sheet: Runsheet) -> dict[str, Any]:
        # Let each venue's estimator see a window long enough to fit its drift.
        await asyncio.sleep(WARM_UP_S)
        for n in range(args.trials):
            engine.arm_countdown(args.lead, list(engine.venues), title=f"trial {n + 1}")
            fire_at = engine.countdown.fire_at
            assert fire_at is not None
            settle = fire_at + 3.0
            while time.monotonic() < settle:
                await asyncio.sleep(0.1)
                if all(v.fired_true is not None for v in engine.countdown.venues.values()):
                    await asyncio.sleep(0.3)
                    break
            result = countdown_result(engine, demo.sim)
            assert result is not None
            result["trial"] = n + 1
            trials.append(result)
            demo.say(
                f"trial {n + 1}/{args.trials}: spread {result['spread_ms']} ms "
                f"(limit {result['limit_spread_ms']} ms), fired {result['fired']}, "
                f"missed {result['missed']}"
            )
        return {}

    asyncio.run(demo.run(body))
    venues = [v for t in trials for v in t["venues"]]
    spreads = [t["spread_ms"] for t in trials if t["spread_ms"] is not None]
    excess = [v["excess_ms"] for v in venues if v["excess_ms"] is not None]
    summary = {
        "spread_ms": {q: _percentile(spreads, p) for q, p in (("p50", 0.5), ("p95", 0.95))}
        | {"max": max(spreads, default=None)},
        "excess_ms": {q: _percentile(excess, p) for q, p in (("p50", 0.5), ("p95", 0.95))}
        | {"max": max(excess, default=None)},
        "bound_violations": sum(1 for v in venues if v["within_bound"] is False),
        "missed": sum(t["missed"] for t in trials),
        "fires": sum(t["fired"] for t in trials),
    }
    result = {
        "bench": "sync",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "net": args.net,
        "venues": args.venues,
        "clock_offset_max_s": args.clock_offset_max,
        "drift_ppm": args.drift_ppm,
        "asymmetry_ms": args.asymmetry_ms,
        "lead_s": args.lead,
        "media": args.media,
        "sim": {vid: dataclasses.asdict(d) for vid, d in demo.sim.items()},
        "summary": summary,
        "trials": trials,
    }
    (args.out / "sync.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(json.dumps(summary, indent=2))
    return 0
