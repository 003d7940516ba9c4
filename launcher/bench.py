"""`ceremony bench session`: the live session's numbers, as JSON.

Runs the demo with two incidents: one venue frozen with SIGSTOP (its sockets stay open, so only
the missing heartbeats can tell: this measures heartbeat-loss detection) and one killed with
SIGKILL and restarted (loss seen, rejoin time, the other venues' program rate meanwhile).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time

from ceremony import runsheet
from launcher.demo import Demo, DemoOptions, Incident, summarize
from launcher.paths import Paths


def main(args: argparse.Namespace) -> int:
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
