"""`ceremony bench network`: eleven venues in four NAT'd LANs, through real kernel parts.

The lab (launcher/netlab.py): an open LAN, a LAN whose firewall drops all UDP (its venues relay
through coturn over TCP), a LAN shaped to 1.5 Mbit/s down with one venue, and a LAN losing 5 %
of packets each way with one venue. The studio engine runs in this process with its sockets in
the studio's namespace; each venue is a `ceremony venue` process in its LAN's namespace.

Measured: each venue's join time and path, program frame rate at every venue (a venue that
receives nothing counts as 0 fps), latency p95 over every decoded frame of the run, the
countdown's spread across all venues from true fire times (host clock, shared by every
namespace), and the lossy venue's audio packet loss as its receiver reports it (aiortc has no
packet-loss concealment statistics: each lost packet is one the decoder had to conceal).
Needs root.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ceremony import runsheet
from ceremony.turn import parse_turn_url
from launcher.demo import (
    SPAWN_STAGGER_S,
    VENUE_NICE,
    await_fire_reports,
    countdown_result,
    fit_venues,
)
from launcher.netlab import LanSpec, NetLab, TurnProcess, start_turn, unavailable
from launcher.paths import Paths
from media.ice import enlarge_socket_buffers, pin_host_addresses
from media.identity import ensure_identity
from media.studio import StudioConfig, StudioEngine, VenueStatus, VenueStatusChanged

PORT = 8443
LANS = (
    (LanSpec("open"), 6),
    (LanSpec("udp-blocked", udp_blocked=True), 3),
    (LanSpec("slow", down_kbit=1500), 1),
    (LanSpec("lossy", loss_pct=5), 1),
)
COUNTDOWN_LEAD_S = 5.0
RENUMBERED_LAN = "open"  # six venues behind one NAT whose LAN is renumbered at the end
REJOIN_WAIT_S = 20.0


@dataclass
class Venue:
    venue_id: str
    lan: str
    decodes: bool
    latency_log: Path
    proc: subprocess.Popen[bytes] | None = None
    spawned: float = 0.0
    joined: float | None = None
    offered: float | None = None  # the studio received its offer (candidates gathered)
    joins: list[float] = field(default_factory=list)  # every JOINED, monotonic
    fps: list[float] = field(default_factory=list)


def main(args: argparse.Namespace) -> int:
    reason = unavailable()
    if reason is not None:
        print(f"bench network: {reason}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    sheet = fit_venues(runsheet.load(Paths.default().sample_runsheet()), sum(n for _, n in LANS))
    ids = iter(v.id for v in sheet.venues)
    venues: list[Venue] = []
    for spec, count in LANS:
        for n in range(count):
            vid = next(ids)
            # Decoding eleven programs would starve this 2-core machine; the rest count frames.
            decodes = n == 0
            venues.append(Venue(vid, spec.name, decodes, args.out / f"{vid}.latency"))
    progress = sys.stderr if args.json else sys.stdout
    with NetLab([spec for spec, _ in LANS]) as lab:
        turn = start_turn(lab, args.out / "turn")
        try:
            result = asyncio.run(_run(args, lab, turn, sheet, venues, progress=progress))
        finally:
            turn.stop()
    (args.out / "network.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json else json.dumps(result["summary"], indent=2))
    return 0


async def _run(
    args: argparse.Namespace,
    lab: NetLab,
    turn: TurnProcess,
    sheet: runsheet.Runsheet,
    venues: list[Venue],
    *,
    progress: Any,
) -> dict[str, Any]:
    def say(text: str) -> None:
        print(text, file=progress, flush=True)

    by_id = {v.venue_id: v for v in venues}
    with lab.inside(lab.studio_ns):
        pin_host_addresses([lab.studio_ip])
        enlarge_socket_buffers()
        identity = ensure_identity(args.out / "studio", [lab.studio_ip])
        journal = args.out / "journal.jsonl"
        journal.unlink(missing_ok=True)
        engine = StudioEngine(
            sheet.scaled(3600),  # the sequencer stays on its first item; only media runs
            identity,
            StudioConfig(
                host=lab.studio_ip,
                port=PORT,
                program=args.program,
                program_bitrate=args.bitrate,
                turn=parse_turn_url(turn.url),
                turn_secret=turn.secret,
            ),
            journal,
        )

        def on_event(event: object) -> None:
            if isinstance(event, VenueStatusChanged) and event.status is VenueStatus.CONNECTING:
                v = by_id.get(event.venue_id)
                if v is not None and v.offered is None:
                    v.offered = time.monotonic()
            if isinstance(event, VenueStatusChanged) and event.status is VenueStatus.JOINED:
                v = by_id.get(event.venue_id)
                if v is not None:
                    v.joins.append(time.monotonic())
                if v is not None and v.joined is None:
                    v.joined = time.monotonic()
                    # As in the demo: eleven venues share the studio's two cores here, so once
                    # joined they yield to it (on the day each has its own computer).
                    if v.proc is not None and v.proc.poll() is None:
                        with contextlib.suppress(OSError):
                            os.setpriority(os.PRIO_PROCESS, v.proc.pid, VENUE_NICE)

        engine.subscribe(on_event)
        await engine.start()
        try:
            await _spawn(args, lab, identity, sheet, venues)
            say(f"{len(venues)} venue processes started in {len(LANS)} NAT'd LANs")
            deadline = time.monotonic() + args.join_timeout
            while any(v.joined is None for v in venues) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            say(f"{sum(v.joined is not None for v in venues)}/{len(venues)} joined")
            start = time.monotonic()
            while time.monotonic() - start < args.duration:
                await asyncio.sleep(1.0)
                for v in venues:
                    record = engine.venues[v.venue_id]
                    joined = record.status is VenueStatus.JOINED and record.stats is not None
                    v.fps.append(record.stats.program_fps if joined and record.stats else 0.0)
            snapshot = engine.snapshot()
            audio_loss = {v.venue_id: await _audio_loss(engine, v.venue_id) for v in venues}
            countdowns = []
            for n in range(args.countdowns):
                countdowns.append(await _countdown(engine))
                say(f"countdown {n + 1}: spread {countdowns[-1]['spread_ms']} ms")
            renumber = await _renumber(lab, venues, RENUMBERED_LAN)
            say(f"address change in LAN {RENUMBERED_LAN!r}: back after {renumber} s")
        finally:
            for v in venues:
                if v.proc is not None and v.proc.poll() is None:
                    v.proc.send_signal(signal.SIGTERM)
            for v in venues:
                if v.proc is not None:
                    try:
                        v.proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        v.proc.kill()
                        v.proc.wait()
            await engine.stop()
            pin_host_addresses(None)
    return _result(args, venues, snapshot, audio_loss, countdowns) | {"address_change": renumber}


async def _spawn(
    args: argparse.Namespace,
    lab: NetLab,
    identity: Any,
    sheet: runsheet.Runsheet,
    venues: list[Venue],
) -> None:
    for v in venues:
        invite = identity.invite(sheet, v.venue_id, [f"{lab.studio_ip}:{PORT}"], time.time() + 3600)
        path = args.out / f"{v.venue_id}.invite"
        path.write_text(invite.to_string(), encoding="utf-8")
        v.latency_log.unlink(missing_ok=True)
        argv = [sys.executable, "-m", "launcher.cli", "venue", "--headless", "--invite", str(path)]
        argv += ["--video", str(args.venue_video), "--no-program-sound", "--sim-true-time"]
        argv += ["--sim-latency-log", str(v.latency_log)]
        if not v.decodes:
            argv.append("--count-only")
        log = open(args.out / f"{v.venue_id}.log", "wb")  # noqa: SIM115 - owned by the child
        v.proc = subprocess.Popen(
            lab.exec_argv(lab.lans[v.lan].namespace, argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        v.spawned = time.monotonic()
        await asyncio.sleep(SPAWN_STAGGER_S)  # as the demo: not eleven interpreters at once


async def _renumber(lab: NetLab, venues: list[Venue], lan: str) -> dict[str, Any]:
    """Change the LAN's address under its joined venues; seconds until each joined again."""
    affected = [v for v in venues if v.lan == lan]
    lab.renumber(lan, 77)
    at = time.monotonic()
    deadline = at + REJOIN_WAIT_S
    while time.monotonic() < deadline and not all(v.joins[-1:] > [at] for v in affected):
        await asyncio.sleep(0.1)
    back = {v.venue_id: next((round(t - at, 2) for t in v.joins if t > at), None) for v in affected}
    times = list(back.values())
    return {
        "lan": lan,
        "venues": back,
        "slowest_s": None if None in times else max(t for t in times if t is not None),
    }


async def _countdown(engine: StudioEngine) -> dict[str, Any]:
    engine.arm_countdown(COUNTDOWN_LEAD_S, list(engine.venues), title="network bench")
    await await_fire_reports(engine)
    result = countdown_result(engine, {})
    assert result is not None
    return result


async def _audio_loss(engine: StudioEngine, venue_id: str) -> float | None:
    """% of the program's audio packets the venue reported lost (RTCP), over the whole run."""
    conn = engine.venues[venue_id].conn
    if conn is None:
        return None
    for transceiver in conn.pc.getTransceivers():
        if transceiver.kind != "audio":
            continue
        sent, lost = 0, 0
        for stat in (await transceiver.sender.getStats()).values():
            if stat.type == "outbound-rtp":
                sent = stat.packetsSent
            elif stat.type == "remote-inbound-rtp":
                lost = max(0, stat.packetsLost)
        return round(100 * lost / sent, 2) if sent else None
    return None


def _latencies(path: Path) -> list[float]:
    if not path.exists():
        return []
    return [float(line) for line in path.read_text(encoding="utf-8").split()]


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)


def _result(
    args: argparse.Namespace,
    venues: list[Venue],
    snapshot: dict[str, Any],
    audio_loss: dict[str, float | None],
    countdowns: list[dict[str, Any]],
) -> dict[str, Any]:
    paths = {v["id"]: v["path"] for v in snapshot["venues"]}
    rungs = {v["id"]: v.get("program_rung") for v in snapshot["venues"]}
    rows = []
    every_frame: list[float] = []
    for v in venues:
        lat = _latencies(v.latency_log)
        every_frame += lat
        fps = v.fps or [0.0]
        rows.append(
            {
                "id": v.venue_id,
                "lan": v.lan,
                "path": paths.get(v.venue_id, ""),
                "program_rung": rungs.get(v.venue_id),  # the rung the venue was on at the end
                # From process start: includes the interpreter's start-up on a loaded machine.
                "join_s": round(v.joined - v.spawned, 2) if v.joined is not None else None,
                # From the studio receiving the offer: ICE checks, DTLS, SCTP, the welcome.
                "join_from_offer_s": round(v.joined - v.offered, 2)
                if v.joined is not None and v.offered is not None
                else None,
                "program_fps_median": round(statistics.median(fps), 1),
                "program_fps_min": round(min(fps), 1),
                "decodes": v.decodes,
                "latency_p95_ms": _p95(lat),
                "frames_with_latency": len(lat),
                "audio_lost_pct": audio_loss.get(v.venue_id),
            }
        )

    def slowest(relayed: bool, key: str = "join_s") -> float | None:
        """None when any of them never joined (never the slowest of those that did)."""
        times = [r[key] for r in rows if r["path"].startswith("relay") == relayed]
        return None if not times or None in times else max(times)

    def one(lan: str) -> dict[str, Any]:
        return next(r for r in rows if r["lan"] == lan)

    spreads = [c["spread_ms"] for c in countdowns if c["spread_ms"] is not None]
    summary = {
        "joined": sum(r["join_s"] is not None for r in rows),
        "venues": len(rows),
        "slowest_join_direct_s": slowest(False),
        "slowest_join_relayed_s": slowest(True),
        "slowest_join_from_offer_direct_s": slowest(False, "join_from_offer_s"),
        "slowest_join_from_offer_relayed_s": slowest(True, "join_from_offer_s"),
        "relayed_paths": sorted({r["path"] for r in rows if r["path"].startswith("relay")}),
        "countdown_spread_ms": spreads,
        "countdown_fired": [c["fired"] for c in countdowns],
        "program_fps_min_median_across_venues": min(r["program_fps_median"] for r in rows),
        "slow_venue_fps_median": one("slow")["program_fps_median"],
        "lossy_venue_fps_median": one("lossy")["program_fps_median"],
        "lossy_venue_audio_lost_pct": one("lossy")["audio_lost_pct"],
        "latency_p95_ms_every_frame": _p95(every_frame),
        "keyframe_requests_refused": snapshot.get("keyframe_requests_refused"),
        "frames_with_latency": len(every_frame),
    }
    return {
        "bench": "network",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "program": str(args.program),
        "program_bitrate": args.bitrate,
        "venue_video": str(args.venue_video),
        "duration_s": args.duration,
        "lans": [
            {
                "name": s.name,
                "venues": n,
                "udp_blocked": s.udp_blocked,
                "down_kbit": s.down_kbit,
                "loss_pct": s.loss_pct,
            }
            for s, n in LANS
        ],
        "summary": summary,
        "venues": rows,
        "countdowns": countdowns,
    }


__all__ = ["main"]
