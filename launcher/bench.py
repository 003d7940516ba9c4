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
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from ceremony.quality import RungPolicy
from ceremony.runsheet import Runsheet
from launcher import fire_account
from launcher.demo import (
    Demo,
    DemoOptions,
    Incident,
    SimOptions,
    await_fire_reports,
    countdown_result,
    summarize,
)
from launcher.paths import Paths
from media import runsheet_files
from media.clock_trace import CLOCK_TRACE_ENV
from media.firing import TRACE_ENV
from media.netsim import NetKind
from media.studio import StudioEngine

WARM_UP_S = 12.0
FANOUT_WARM_UP_S = 5.0


def main(args: argparse.Namespace) -> int:
    if args.bench == "sync" and getattr(args, "audible", False):
        from launcher.bench_audible import main as audible

        return audible(args)
    if args.bench == "sync":
        return sync(args)
    if args.bench == "fanout":
        return fanout(args)
    if args.bench == "network":
        from launcher import bench_network

        return bench_network.main(args)
    if args.bench == "remote":
        from launcher import bench_remote

        return bench_remote.main(args)
    if args.bench == "abuse":
        from launcher import bench_abuse

        return bench_abuse.main(args)
    sheet = runsheet_files.load(Paths.default().sample_runsheet())
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


class _TracedDemo(Demo):
    """The demo with each venue's firing thread writing its account of every fire to a file
    (and, with `realtime` False, the venues run as an ordinary user install: --no-realtime)."""

    realtime = True

    def trace_path(self, vid: str) -> Path:
        return self.options.out / "fire-traces" / f"{vid}.jsonl"

    def prepare(self) -> StudioEngine:
        engine = super().prepare()
        for vid, proc in self.procs.items():
            self.trace_path(vid).parent.mkdir(parents=True, exist_ok=True)
            self.trace_path(vid).unlink(missing_ok=True)
            # `env` is replaced by what it runs: the process id stays the venue's.
            clocks = self.trace_path(vid).with_suffix(".clock.jsonl")
            clocks.unlink(missing_ok=True)
            proc.wrapper = [
                "env",
                f"{TRACE_ENV}={self.trace_path(vid)}",
                f"{CLOCK_TRACE_ENV}={clocks}",
                *proc.wrapper,
            ]
            if not self.realtime:
                proc.extra_args.append("--no-realtime")
        return engine


def sync(args: argparse.Namespace) -> int:
    """`ceremony bench sync`: arm the countdown `trials` times and measure true fire times."""
    sheet = runsheet_files.load(Paths.default().sample_runsheet())
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
    demo = _TracedDemo(sheet, options, progress)
    demo.realtime = not args.no_realtime  # as root the venues would otherwise rise
    trials: list[dict[str, Any]] = []

    async def body(engine: StudioEngine, _sheet: Runsheet) -> dict[str, Any]:
        # Let each venue's estimator see a window long enough to fit its drift.
        await asyncio.sleep(WARM_UP_S)
        for n in range(args.trials):
            engine.arm_countdown(args.lead, list(engine.venues), title=f"trial {n + 1}")
            if await await_fire_reports(engine):
                await asyncio.sleep(0.3)  # acks and late notes settle
            result = countdown_result(engine, demo.sim)
            assert result is not None
            result["trial"] = n + 1
            # Eleven venues on two shared cores: the machine's load beside every figure.
            result["load_avg"] = [round(x, 2) for x in os.getloadavg()]
            traces = {
                vid: trace
                for vid in demo.procs
                if (trace := fire_account.read_traces(demo.trace_path(vid)).get(result["arm_id"]))
            }
            fire_account.venue_rows(result["venues"], traces)
            result["lateness"] = fire_account.trial_split(result["venues"])
            trials.append(result)
            demo.say(
                f"trial {n + 1}/{args.trials}: spread {result['spread_ms']} ms "
                f"(limit {result['limit_spread_ms']} ms; placement "
                f"{result['lateness']['placement_spread_ms']} ms, latest thread "
                f"{result['lateness']['late_max_ms']} ms late), fired {result['fired']}, "
                f"missed {result['missed']}, load {result['load_avg'][0]}"
            )
        return {}

    asyncio.run(demo.run(body))
    venues = [v for t in trials for v in t["venues"]]
    spreads = [t["spread_ms"] for t in trials if t["spread_ms"] is not None]
    placements = [t["placement_spread_ms"] for t in trials if t["placement_spread_ms"] is not None]
    late = [v["late_ms"] for v in venues if v["late_ms"] is not None]
    excess = [v["excess_ms"] for v in venues if v["excess_ms"] is not None]
    # Where each clock estimate put the deadline (error less the thread's own lateness).
    placement_errors = [abs(v["placement_ms"]) for v in venues if v["placement_ms"] is not None]
    summary = {
        "spread_ms": {q: _percentile(spreads, p) for q, p in (("p50", 0.5), ("p95", 0.95))}
        | {"max": max(spreads, default=None)},
        "excess_ms": {q: _percentile(excess, p) for q, p in (("p50", 0.5), ("p95", 0.95))}
        | {"max": max(excess, default=None)},
        "placement_spread_ms": {
            q: _percentile(placements, p) for q, p in (("p50", 0.5), ("p95", 0.95))
        }
        | {"max": max(placements, default=None)},
        "late_ms": {q: _percentile(late, p) for q, p in (("p50", 0.5), ("p95", 0.95))}
        | {"max": max(late, default=None)},
        "placement_error_ms": {
            q: _percentile(placement_errors, p)
            for q, p in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))
        },
        "late_fires": sum(1 for v in venues if (v["late_ms"] or 0.0) > fire_account.LATE_MS),
        "late_causes": fire_account.causes(venues),
        "bound_violations": sum(1 for v in venues if v["within_bound"] is False),
        "missed": sum(t["missed"] for t in trials),
        "fires": sum(t["fired"] for t in trials),
    }
    result = {
        "bench": "sync",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg": [round(x, 2) for x in os.getloadavg()],
        },
        "net": args.net,
        "venues": args.venues,
        "realtime": not args.no_realtime,
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


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _PinnedRung(RungPolicy):
    """Benchmark only: a venue held on one rung whatever its link reports."""

    def observe(self, now: float, loss_pct: float | None) -> int:
        return self.rung


def _fanout_once(args: argparse.Namespace, naive: bool, low_share: float = 0.0) -> dict[str, Any]:
    sheet = runsheet_files.load(Paths.default().sample_runsheet())
    mode = "naive" if naive else "encode-once" if not low_share else "two-rungs"
    options = DemoOptions(
        venues=args.venues,
        # The run-sheet spans the whole run, so a long soak keeps switching sources.
        duration_s=max(60, int(args.duration + FANOUT_WARM_UP_S)),
        out=args.out / mode,
        program=args.program,
        venue_video=args.venue_video,
        sim=None,
        decoding_venues=2,
        naive_fanout=naive,
        program_bitrate=args.bitrate,
    )
    progress = sys.stderr if args.json else sys.stdout
    demo = Demo(sheet, options, progress)

    async def body(engine: StudioEngine, _sheet: Runsheet) -> dict[str, Any]:
        await asyncio.sleep(FANOUT_WARM_UP_S)
        low = list(engine.venues)[: round(len(engine.venues) * low_share)]
        for vid in low:  # as if their links could not carry the top rung
            engine.venues[vid].quality = _PinnedRung(lowest=1, rung=1)
            engine.bus.set_rung(vid, 1)
        rss_start, cpu_start, wall_start = _rss_mb(), _cpu_s(), time.monotonic()
        rss_samples, next_rss = [rss_start], wall_start + 60
        per_venue: dict[str, list[float]] = {vid: [] for vid in engine.venues}
        latency: dict[str, list[tuple[float, float]]] = {}
        sent: list[float] = []
        end = wall_start + args.duration
        while time.monotonic() < end:
            await asyncio.sleep(1.0)
            if time.monotonic() >= next_rss:
                rss_samples.append(_rss_mb())  # a soak's memory curve, once a minute
                next_rss += 60
            snap = engine.snapshot()
            sent.append(float(snap["program_fps_sent"]))  # type: ignore[arg-type]
            for v in snap["venues"]:  # type: ignore[attr-defined]
                per_venue[v["id"]].append(
                    v["program_fps_at_venue"] if v["status"] == "joined" else 0.0
                )
                if v["latency_p50_ms"] is not None:
                    latency.setdefault(v["id"], []).append(
                        (v["latency_p50_ms"], v["latency_p95_ms"])
                    )
            demo.say(
                f"{mode}: {time.monotonic() - wall_start:4.0f}s  program {sent[-1]} fps  "
                f"lowest at a venue {min(x[-1] for x in per_venue.values() if x)} fps"
            )
        wall = time.monotonic() - wall_start
        medians = {vid: statistics.median(v) if v else 0.0 for vid, v in per_venue.items()}
        lat_p50 = [p50 for v in latency.values() for p50, _ in v]
        lat_p95 = [p95 for v in latency.values() for _, p95 in v]
        return {
            "mode": mode,
            "rungs": [str(r) for r in engine.bus.rungs],
            "venues_on_lower_rung": low,
            "keyframes_forced_per_rung": list(engine.bus.keyframes_forced),
            "studio_cpu_cores": round((_cpu_s() - cpu_start) / wall, 3),
            "program_fps_sent": round(statistics.median(sent), 2) if sent else None,
            "min_venue_program_fps": round(min(medians.values()), 2) if medians else None,
            "venue_program_fps": {k: round(v, 2) for k, v in medians.items()},
            "latency_ms": {
                "p50": round(statistics.median(lat_p50), 1) if lat_p50 else None,
                "p95": round(statistics.median(lat_p95), 1) if lat_p95 else None,
                "venues_measuring": sorted(latency),
            },
            "studio_rss_mb": {
                "start": rss_start,
                "end": (rss_end := _rss_mb()),
                "growth_pct": round((rss_end - rss_start) / rss_start * 100, 2),
                "per_minute": rss_samples,
            },
            "loop_lag_ms_p95_last_10s": engine.snapshot()["loop_lag_ms_p95"],
        }

    return asyncio.run(demo.run(body))


def fanout(args: argparse.Namespace) -> int:
    """`ceremony bench fanout`: the studio's cost of sending the program to every venue."""
    modes = [False, True] if args.both else [args.naive]
    runs = [_fanout_once(args, naive) for naive in modes]
    if args.rungs:
        runs.append(_fanout_once(args, False, low_share=0.5))
    result: dict[str, Any] = {
        "bench": "fanout",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "venues": args.venues,
        "program": str(args.program),
        "venue_video": str(args.venue_video),
        "program_bitrate": args.bitrate,
        "venue_processes": "all send camera and microphone; 2 decode the program fully (latency),"
        " the others count complete frames reassembled from RTP without decoding",
        "runs": runs,
    }
    by_mode = {r["mode"]: r for r in runs}
    once = by_mode.get("encode-once", {}).get("studio_cpu_cores")
    if once and "naive" in by_mode:
        result["naive_over_once_cpu"] = round(by_mode["naive"]["studio_cpu_cores"] / once, 2)
    if once and "two-rungs" in by_mode:
        result["two_rungs_over_one_cpu"] = round(by_mode["two-rungs"]["studio_cpu_cores"] / once, 2)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fanout.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0
