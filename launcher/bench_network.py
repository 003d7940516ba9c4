"""`ceremony bench network`: eleven venues in four NAT'd LANs, through real kernel parts.

The lab (launcher/netlab.py): an open LAN, a LAN whose firewall drops all UDP (its venues relay
through coturn over TCP), a LAN shaped to 1.5 Mbit/s down with one venue, and a LAN losing 5 %
of packets each way with one venue. The studio engine runs in this process with its sockets in
the studio's namespace; every venue runs inside its LAN's namespace, so its packets cross the
NAT router (and its firewall, shaping or loss) and, where UDP is blocked, coturn.

Light and full venues (`--light-venues N`, default 8): on this 2-core machine eleven full venue
processes (each encoding a camera, most decoding the 1280×720 program) took more CPU than the
studio, which then made a quarter of its frames, so the figures measured a starved machine, not
the network. A light venue (launcher/light_venue.py) is the product's own `VenueLink` (invite,
TURN credentials, ICE through the NAT or the relay, its path and rung reports, clock probes,
the countdown, the rejoin when its address changes) with a pre-encoded clip of the full venues'
camera format for a camera, no microphone, and the program counted as complete frames, not
decoded; one process per LAN holds that LAN's light venues. By default three venues stay full
`ceremony venue` processes that decode: the 1.5 Mbit/s venue (its late frames on the lower rung
need a real decoder), the 5 %-loss venue (its audio concealment and video under loss) and the
open LAN's first venue (top-rung latency on a direct path, and a full venue beside the light ones
when that LAN is renumbered). The JSON's `light_venues` and each row's `light` say which were
light; the latency p95 is over the decoding (full) venues' frames.

Measured: each venue's join time and path, program frame rate at every venue (a venue that
receives nothing counts as 0 fps), latency p95 over every decoded frame of the run, the
countdown's spread across all venues from true fire times (host clock, shared by every
namespace), and the lossy venue's program audio as its decoder counted it: packets received,
rebuilt from the next packet's FEC, and concealed (neither), plus the network loss RTCP reported;
and the other way, each venue's microphone as the studio's decoder counted it (`mic_at_studio`).

Join, precisely (every time is CLOCK_MONOTONIC, which all the namespaces share; the venue logs
its own phase marks, `join phases:` in its log):
- `join_s`: from the venue process being started (cold start: the interpreter and its imports
  included) or, with `--warm-start`, from the moment already-running, already-imported venue
  processes are all told to join at once;
- `join_from_connect_s`: from the venue's signaling connect (the start of the attempt that
  joined) to the studio marking it JOINED, i.e. its control channel open and welcomed; media
  flows from the same peer connection (its program frame rate is measured after).
Targets are judged on `join_from_connect_s` and on `--warm-start`'s `join_s`: on the day each
venue is its own computer, already running when it joins; eleven interpreters importing at once
on the studio's two cores are this bench's artefact (`import_s` shows it, per venue).

The program's picture is, by default, `media.sources.LoopedPattern`: detail everywhere that
changes each frame, drawn once at start-up and looped with a moving block, so the 1280×720 rung
really needs its bitrate (the shaped venue then has to move down) while making a frame costs
the studio well under a millisecond (`--source detail` draws `DetailPattern` live; `--source
bars`: the old colour bars, which compress far below the link's rate). Each rung's real bit
rate over the window is in the summary (`top_rung_kbit_s`, `lower_rung_kbit_s`).

CPU: the studio process (engine and this bench), its program-encode thread, each full venue
process and each LAN's light process over the frame-rate window, in cores. Two rungs against
one (`--rung-cpu-phases`): after the countdowns, phases alternate between every venue held on
the top rung (one encode) and the lowest-rung venues back on the lower rung (two encodes); the
summary has the median studio CPU of each kind and their ratio.
Needs root.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
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
from launcher.light_venue import LightGroupSpec, LightVenueSpec
from launcher.netlab import LanSpec, NetLab, TurnProcess, lab_prefix, start_turn, unavailable
from launcher.paths import Paths
from media import runsheet_files
from media.ice import enlarge_socket_buffers, pin_host_addresses
from media.identity import ensure_identity
from media.program import KEYFRAME_INTERVAL_S, MIN_FORCED_KEYFRAME_GAP_S
from media.sources import DetailPattern, LoopedPattern
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
# The LANs whose decoding venue stays a full venue longest as more venues run light (the last
# ones last): the shaped and the lossy venue's late frames and audio need a real decoder.
FULL_LONGEST = ("udp-blocked", "open", "lossy", "slow")
LIGHT_VENUES_DEFAULT = 8  # all but the open LAN's decoder, the shaped and the lossy venue
LIGHT_WHY = (
    "light venues send a pre-encoded clip and count the program without decoding it, so the "
    "studio gets its cores; full venues decode with a real decoder where the figure needs one: "
    "the shaped venue (late frames on the lower rung), the lossy venue (audio concealment, "
    "video under loss) and, by default, the open LAN's first venue (top-rung latency, and a "
    "full venue beside light ones through the address change)"
)
REJOIN_WAIT_S = 20.0
WARM_READY_TIMEOUT_S = 120.0
LATE_MS = 250.0  # a program frame shown later than this after it was made is late
RUNG_POLL_S = 0.1
CPU_SAMPLE_S = 1.0
RUNG_PHASE_SETTLE_S = 1.5  # a rung change waits for a keyframe: not counted in a phase's CPU
ENCODE_THREAD = "program-encode"  # media.program's executor thread
PHASES = re.compile(r"join phases: (.*)$", re.MULTILINE)
AUDIO = re.compile(
    r"program audio: (\d+) packets, (\d+) received, (\d+) recovered by FEC, (\d+) concealed"
)
VIDEO = re.compile(
    r"program video: (\d+) frames, (\d+) dropped, (\d+) holes skipped, (\d+) decoder resyncs, "
    r"(\d+) keyframe requests, (\d+) not shown, (\d+) asked again"
)
VIDEO_KEYS = (
    "frames",
    "dropped",
    "holes_skipped",
    "decoder_resyncs",
    "keyframe_requests",
    "not_shown",
    "asked_again",
)


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
    rungs: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, rung) changes
    # The studio's view of its receiver's bandwidth estimate (REMB): (monotonic, bit/s), on
    # change, at most one a second; and each ceiling its rung policy learned (monotonic, rung,
    # no probe of that rung until).
    estimates: list[tuple[float, int]] = field(default_factory=list)
    ceilings: list[tuple[float, int, float]] = field(default_factory=list)
    latency_lines_at_switch: int | None = None  # frames logged before it moved down
    latency_lines_at_window_end: int | None = None  # frames logged by the frame-rate window's end
    cpu_cores: float | None = None  # its process's CPU over the frame-rate window (full only)
    light: bool = False  # a light venue (launcher/light_venue.py), in its LAN's light process


@dataclass
class LightProcess:
    """The light venues of one LAN: one `launcher.light_venue` process in that LAN's namespace."""

    lan: str
    venues: list[Venue]
    spec: Path  # its LightGroupSpec
    proc: subprocess.Popen[bytes] | None = None
    cpu_cores: float | None = None  # over the frame-rate window

    @property
    def out(self) -> Path:
        return self.spec.with_suffix(".out.json")  # the venues' counters, written at the end

    @property
    def times(self) -> Path:
        return Path(f"{self.out}.times")  # when each started and joined, its join marks


def choose_light(venues: list[Venue], count: int) -> None:
    """Make `count` venues light, the ones whose figures need no real decoder first: the
    frame-counting venues, then the relayed LAN's decoder, then the open LAN's; the lossy and
    the shaped venues last (their audio concealment and late frames need a real decoder).
    A light venue counts the program's frames; it decodes nothing."""
    order = sorted(venues, key=lambda v: 0 if not v.decodes else 1 + FULL_LONGEST.index(v.lan))
    for v in order[:count]:
        v.light, v.decodes = True, False


def main(args: argparse.Namespace) -> int:
    reason = unavailable()
    if reason is not None:
        print(f"bench network: {reason}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    sheet = fit_venues(
        runsheet_files.load(Paths.default().sample_runsheet()), sum(n for _, n in LANS)
    )
    ids = iter(v.id for v in sheet.venues)
    venues: list[Venue] = []
    for spec, count in LANS:
        for n in range(count):
            vid = next(ids)
            # Decoding eleven programs would starve this 2-core machine; the rest count frames.
            decodes = n == 0
            venues.append(Venue(vid, spec.name, decodes, args.out / f"{vid}.latency"))
    light = LIGHT_VENUES_DEFAULT if args.light_venues is None else args.light_venues
    choose_light(venues, light)
    progress = sys.stderr if args.json else sys.stdout
    # `nb…` namespaces (or $CEREMONY_NETLAB_PREFIX's): never another lab's names on this machine.
    with NetLab([spec for spec, _ in LANS], prefix=lab_prefix("nb")) as lab:
        turn = start_turn(lab, args.out / "turn")
        try:
            result = asyncio.run(_run(args, lab, turn, sheet, venues, progress=progress))
        finally:
            turn.stop()
    (args.out / "network.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json else json.dumps(result["summary"], indent=2))
    _exit_despite_stuck_threads()
    return 0


def _exit_despite_stuck_threads() -> None:
    """The result is written. On a starved machine a peer connection can be left half-closed
    by the studio's bounded teardown, and aiortc's decoder threads (not daemons) then wait for
    it forever: the interpreter never exits (seen once at load 20-30). Say which, and leave."""
    stuck = [
        t.name for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()
    ]
    if stuck:
        print(f"bench network: leaving {len(stuck)} stuck thread(s): {stuck}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


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
                    # joined they yield to it (on the day each has its own computer); a light
                    # process once all its venues have joined.
                    sharing = [o for o in venues if o.proc is v.proc]
                    if (
                        v.proc is not None
                        and v.proc.poll() is None
                        and all(o.joined is not None for o in sharing)
                    ):
                        with contextlib.suppress(OSError):
                            os.setpriority(os.PRIO_PROCESS, v.proc.pid, VENUE_NICE)

        # A camera's worth of detail in place of the colour bars (bench only).
        fmt = args.program
        if args.source == "looped":
            engine._studio_pattern = LoopedPattern(fmt.width, fmt.height)  # type: ignore[assignment]
        elif args.source == "detail":
            engine._studio_pattern = DetailPattern(fmt.width, fmt.height)  # type: ignore[assignment]
        engine.subscribe(on_event)
        await engine.start()
        watcher = asyncio.create_task(_watch_rungs(engine, venues))
        lights = _light_processes(args, venues)
        timeline: list[dict[str, Any]] = []
        sampler = asyncio.create_task(_sample_cpu(engine, venues, timeline))
        try:
            await _spawn(args, lab, identity, sheet, venues, lights=lights)
            procs = _processes(venues)
            say(
                f"{len(venues)} venues ({sum(v.light for v in venues)} light) in "
                f"{len(procs)} processes started in {len(LANS)} NAT'd LANs"
            )
            deadline = time.monotonic() + args.join_timeout
            while any(v.joined is None for v in venues) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            say(f"{sum(v.joined is not None for v in venues)}/{len(venues)} joined")
            start = time.monotonic()
            forced_before = list(engine.bus.keyframes_forced)
            meter = CpuMeter(engine, venues, lights)
            # A venue's stats ride on its heartbeat answers (every few seconds): the report it
            # sent before the window, often from before its first program frame, says 0 fps
            # for a picture that is flowing. Its samples begin with its first report within
            # the window; one that never sends another keeps no sample and counts as 0 fps.
            fresh = object()
            before: dict[str, object] = {
                v.venue_id: engine.venues[v.venue_id].stats for v in venues
            }
            while time.monotonic() - start < args.duration:
                await asyncio.sleep(1.0)
                for v in venues:
                    record = engine.venues[v.venue_id]
                    if record.stats is before[v.venue_id]:
                        continue
                    before[v.venue_id] = fresh
                    joined = record.status is VenueStatus.JOINED and record.stats is not None
                    v.fps.append(record.stats.program_fps if joined and record.stats else 0.0)
            window = time.monotonic() - start
            for v in venues:
                v.latency_lines_at_window_end = len(_latencies(v.latency_log))
            forced = [
                a - b for a, b in zip(engine.bus.keyframes_forced, forced_before, strict=True)
            ]
            snapshot = engine.snapshot()
            snapshot["keyframes_forced_in_window"] = forced
            snapshot["keyframe_gaps_in_window"] = [
                keyframe_gaps(times, start, start + window) for times in engine.bus.keyframe_times
            ]
            snapshot["window_s"] = round(window, 1)
            snapshot["window_end"] = start + window
            snapshot["cpu"] = meter.read(venues, lights)
            audio_loss = {v.venue_id: await _audio_loss(engine, v.venue_id) for v in venues}
            countdowns = []
            for n in range(args.countdowns):
                countdowns.append(await _countdown(engine))
                say(f"countdown {n + 1}: spread {countdowns[-1]['spread_ms']} ms")
            if args.rung_cpu_phases:
                rung_cpu = await _rung_cpu(engine, venues, args.rung_cpu_phases, args.rung_phase_s)
                snapshot["rung_cpu"] = rung_cpu
                say(f"studio CPU two rungs / one: {rung_cpu['ratio']}")
            renumber = await _renumber(lab, venues, RENUMBERED_LAN)
            say(f"address change in LAN {RENUMBERED_LAN!r}: back after {renumber} s")
        finally:
            watcher.cancel()
            sampler.cancel()
            procs = _processes(venues)
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            await engine.stop()
            pin_host_addresses(None)
    snapshot["light_processes"] = [_light_row(group) for group in lights]
    snapshot["cpu_timeline"] = timeline
    return _result(args, venues, snapshot, audio_loss, countdowns) | {"address_change": renumber}


def _processes(venues: list[Venue]) -> list[subprocess.Popen[bytes]]:
    """Every venue process once (a light process holds several venues)."""
    return list({id(v.proc): v.proc for v in venues if v.proc is not None}.values())


def _light_processes(args: argparse.Namespace, venues: list[Venue]) -> list[LightProcess]:
    """One light process per LAN that has light venues."""
    groups = []
    for spec, _ in LANS:
        mine = [v for v in venues if v.light and v.lan == spec.name]
        if mine:
            groups.append(LightProcess(spec.name, mine, args.out / f"light-{spec.name}.json"))
    return groups


def _light_row(group: LightProcess) -> dict[str, Any]:
    """What the result says of one light process: its venues, CPU and their counters."""
    counters: Any = None
    with contextlib.suppress(OSError, ValueError):
        counters = json.loads(group.out.read_text(encoding="utf-8"))
    return {
        "lan": group.lan,
        "venues": [v.venue_id for v in group.venues],
        "cpu_cores": group.cpu_cores,
        "counters": counters,
    }


def _proc_cpu_s(stat_path: str) -> float | None:
    """User + system CPU seconds of a process or thread, from its /proc stat file."""
    try:
        text = Path(stat_path).read_text(encoding="ascii")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _schedstat(tid: int) -> tuple[float, float]:
    """Seconds one thread of this process has run and has waited, runnable, for a core."""
    try:
        ran, waited, _ = Path(f"/proc/self/task/{tid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(ran) / 1e9, int(waited) / 1e9


def _threads_cpu_s() -> dict[int, float]:
    """CPU seconds of every thread of this process, by thread id."""
    out = {}
    for task in Path("/proc/self/task").iterdir():
        cpu = _proc_cpu_s(str(task / "stat"))
        if cpu is not None:
            out[int(task.name)] = cpu
    return out


class CpuMeter:
    """CPU (cores) of the studio process, its program-encode thread, the threads Python did
    not start (libvpx's and FFmpeg's workers), and each venue process, and each rung's encoded
    bit rate, between construction and `read()`."""

    def __init__(
        self,
        engine: StudioEngine,
        venues: list[Venue],
        lights: list[LightProcess] | None = None,
    ) -> None:
        self._engine = engine
        self._at = time.monotonic()
        self._studio = time.process_time()
        self._threads = _threads_cpu_s()
        self._bytes = list(engine.bus.bytes_encoded)
        self._frames = engine.bus.frames_encoded
        self._procs = {
            proc.pid: _proc_cpu_s(f"/proc/{proc.pid}/stat")
            for proc in [v.proc for v in venues] + [g.proc for g in lights or []]
            if proc is not None
        }

    def _cores(self, proc: subprocess.Popen[bytes] | None, span: float) -> float | None:
        if proc is None:
            return None
        before, now = self._procs.get(proc.pid), _proc_cpu_s(f"/proc/{proc.pid}/stat")
        return round((now - before) / span, 3) if before is not None and now is not None else None

    def read(
        self, venues: list[Venue] | None = None, lights: list[LightProcess] | None = None
    ) -> dict[str, Any]:
        span = time.monotonic() - self._at
        bus = self._engine.bus
        python = {t.native_id: t.name for t in threading.enumerate()}
        encode = native = 0.0
        for tid, cpu in _threads_cpu_s().items():
            used = cpu - self._threads.get(tid, 0.0)
            name = python.get(tid)
            if name is None:
                native += used
            elif name.startswith(ENCODE_THREAD):
                encode += used
        frames = bus.frames_encoded - self._frames
        studio_s = time.process_time() - self._studio
        out: dict[str, Any] = {
            "span_s": round(span, 2),
            "studio_cores": round(studio_s / span, 3),
            # Per program frame: comparable between phases even when a starved studio makes
            # fewer frames in one of them than in the other.
            "studio_cpu_ms_per_frame": round(1000 * studio_s / frames, 2) if frames else None,
            "encode_thread_cores": round(encode / span, 3),
            "native_threads_cores": round(native / span, 3),
            "studio_fps": round(frames / span, 1),
            "rung_kbit_s": [
                round((b - a) * 8 / span / 1000)
                for a, b in zip(self._bytes, bus.bytes_encoded, strict=True)
            ],
            "load_average": os.getloadavg(),
        }
        for v in venues or []:
            if not v.light:  # a light process's CPU is its LAN's venues' together
                v.cpu_cores = self._cores(v.proc, span)
        for group in lights or []:
            group.cpu_cores = self._cores(group.proc, span)
        return out


async def _rung_cpu(
    engine: StudioEngine, venues: list[Venue], phases: int, phase_s: float
) -> dict[str, Any]:
    """Studio CPU with one rung and with two, side by side: phases alternate between every
    venue held on the top rung (the bus encodes one rung) and the venues the policy had put
    lower back on the lowest rung (at least the shaped one: two encodes). Each phase's CPU is
    counted after RUNG_PHASE_SETTLE_S; the ratio is of the two kinds' medians."""
    lowest = len(engine.bus.rungs) - 1
    records = {v.venue_id: engine.venues[v.venue_id] for v in venues}
    lower = {vid for vid, r in records.items() if r.quality.rung > 0}
    lower |= {v.venue_id for v in venues if v.lan == "slow"}
    rows = []
    try:
        for n in range(phases):
            both = n % 2 == 1
            for vid, record in records.items():
                # The policy keeps its own rung: pin it there so its next report agrees.
                record.quality.lowest = lowest if both else 0
                record.quality.rung = lowest if both and vid in lower else 0
                engine.bus.set_rung(vid, record.quality.rung)
            await asyncio.sleep(RUNG_PHASE_SETTLE_S)
            meter = CpuMeter(engine, [])
            await asyncio.sleep(max(0.5, phase_s - RUNG_PHASE_SETTLE_S))
            rows.append({"rungs": 2 if both else 1} | meter.read())
    finally:
        for vid, record in records.items():
            record.quality.lowest = lowest
            record.quality.rung = lowest if vid in lower else 0
            engine.bus.set_rung(vid, record.quality.rung)

    def median(rungs: int, key: str) -> float | None:
        values = [r[key] for r in rows if r["rungs"] == rungs and r[key] is not None]
        return round(statistics.median(values), 3) if values else None

    one, two = median(1, "studio_cores"), median(2, "studio_cores")
    one_ms, two_ms = median(1, "studio_cpu_ms_per_frame"), median(2, "studio_cpu_ms_per_frame")
    one_enc = median(1, "encode_thread_cores") or 0.0
    one_enc += median(1, "native_threads_cores") or 0.0
    two_enc = median(2, "encode_thread_cores") or 0.0
    two_enc += median(2, "native_threads_cores") or 0.0
    return {
        "phases": rows,
        "venues_on_lower_rung": sorted(lower),
        "studio_cores_one_rung": one,
        "studio_cores_two_rungs": two,
        "ratio": round(two / one, 2) if one and two is not None else None,
        "studio_cpu_ms_per_frame_one_rung": one_ms,
        "studio_cpu_ms_per_frame_two_rungs": two_ms,
        "ratio_per_frame": round(two_ms / one_ms, 2) if one_ms and two_ms is not None else None,
        # The encode thread with the codec's own worker threads.
        "encode_cores_one_rung": round(one_enc, 3),
        "encode_cores_two_rungs": round(two_enc, 3),
        "encode_ratio": round(two_enc / one_enc, 2) if one_enc else None,
    }


async def _sample_cpu(
    engine: StudioEngine, venues: list[Venue], timeline: list[dict[str, Any]]
) -> None:
    """Every second, the CPU (cores) of the studio and of each venue process and the frames
    the studio made: what was starved when, if a figure misses."""
    start = last_at = time.monotonic()
    last_studio, last_frames = time.process_time(), engine.bus.frames_encoded
    last: dict[int, float] = {}
    loop_thread = threading.get_native_id()  # the engine's event loop: this task's thread
    last_loop = _schedstat(loop_thread)
    while True:
        await asyncio.sleep(CPU_SAMPLE_S)
        now, studio, frames = time.monotonic(), time.process_time(), engine.bus.frames_encoded
        span = now - last_at
        procs: dict[str, float] = {}
        for v in venues:
            name = f"light-{v.lan}" if v.light else v.venue_id
            if v.proc is None or name in procs:
                continue
            cpu = _proc_cpu_s(f"/proc/{v.proc.pid}/stat")
            if cpu is not None:
                if v.proc.pid in last:
                    procs[name] = round((cpu - last[v.proc.pid]) / span, 2)
                last[v.proc.pid] = cpu
        loop = _schedstat(loop_thread)
        timeline.append(
            {
                "t": round(now - start, 1),
                "studio_cores": round((studio - last_studio) / span, 2),
                "studio_fps": round((frames - last_frames) / span, 1),
                # The studio's event loop: running, and ready to run but kept waiting by the
                # kernel for a core (other processes had them), as shares of the second.
                "studio_loop_running": round((loop[0] - last_loop[0]) / span, 2),
                "studio_loop_waiting": round((loop[1] - last_loop[1]) / span, 2),
                "venues_cores": procs,
                "load1": os.getloadavg()[0],
            }
        )
        last_at, last_studio, last_frames, last_loop = now, studio, frames, loop


async def _watch_rungs(engine: StudioEngine, venues: list[Venue]) -> None:
    """Each venue's program rung whenever it changes (the studio's policy moves it), and what
    the policy saw: the venue's bandwidth estimate, the ceilings it learned."""
    while True:
        now = time.monotonic()
        for v in venues:
            record = engine.venues[v.venue_id]
            rung = record.quality.rung
            if not v.rungs or v.rungs[-1][1] != rung:
                v.rungs.append((now, rung))
                if rung > 0 and v.latency_lines_at_switch is None:
                    v.latency_lines_at_switch = len(_latencies(v.latency_log))
            bps = record.conn.estimate_bps if record.conn is not None else None
            changed = not v.estimates or v.estimates[-1][1] != bps
            if bps is not None and changed and (not v.estimates or now - v.estimates[-1][0] >= 1):
                v.estimates.append((now, bps))
            for r, until in record.quality.ceilings.items():
                if not any(c[1:] == (r, until) for c in v.ceilings):
                    v.ceilings.append((now, r, until))
        await asyncio.sleep(RUNG_POLL_S)


async def _spawn(
    args: argparse.Namespace,
    lab: NetLab,
    identity: Any,
    sheet: runsheet.Runsheet,
    venues: list[Venue],
    *,
    lights: list[LightProcess],
) -> None:
    """Start every full venue's process and each LAN's light process, LAN by LAN, inside the
    LAN's namespace (the NAT and its firewall, shaping or loss between it and the studio)."""
    launches: list[tuple[list[Venue], list[str], Path]] = []  # venues, argv, log
    for v in venues:
        invite = identity.invite(sheet, v.venue_id, [f"{lab.studio_ip}:{PORT}"], time.time() + 3600)
        path = args.out / f"{v.venue_id}.invite"
        path.write_text(invite.to_string(), encoding="utf-8")
        v.latency_log.unlink(missing_ok=True)
        if v.light:
            group = next(g for g in lights if v in g.venues)
            if v is group.venues[0]:
                log_path = group.spec.with_suffix(".log")
                launches.append((group.venues, _light_argv(args, group), log_path))
            continue
        cli = ["venue", "--headless", "--invite", str(path)]
        cli += ["--video", str(args.venue_video), "--no-program-sound", "--sim-true-time"]
        cli += ["--sim-latency-log", str(v.latency_log)]
        if not v.decodes:
            cli.append("--count-only")
        # Through `warm_venue` either way: it lets the venue's join marks into its log; only
        # a warm start waits (imported) for the word to join.
        argv = [sys.executable, "-m", "launcher.bench_network"]
        argv += [str(_ready_file(args, [v])) if args.warm_start else "-", *cli]
        launches.append(([v], argv, args.out / f"{v.venue_id}.log"))
    for served, argv, log_path in launches:
        _ready_file(args, served).unlink(missing_ok=True)
        log = open(log_path, "wb")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            lab.exec_argv(lab.lans[served[0].lan].namespace, argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if args.warm_start else subprocess.DEVNULL,
        )
        log.close()
        for v in served:
            v.proc, v.spawned = proc, time.monotonic()
        for group in lights:
            if group.venues == served:
                group.proc = proc
        if not args.warm_start:
            await asyncio.sleep(SPAWN_STAGGER_S)  # as the demo: not eleven interpreters at once
    if args.warm_start:
        # Every venue running and imported, as on the day (each its own computer, the app
        # open before the ceremony); then all are told to join at the same moment.
        deadline = time.monotonic() + WARM_READY_TIMEOUT_S
        while time.monotonic() < deadline and not all(
            _ready_file(args, [v]).exists() for v in venues
        ):
            await asyncio.sleep(0.1)
        args.warm_ready = sum(_ready_file(args, [v]).exists() for v in venues)
        go = time.monotonic()
        for proc in _processes(venues):
            assert proc.stdin is not None
            with contextlib.suppress(OSError):
                proc.stdin.write(b"go\n")
                proc.stdin.close()
        for v in venues:
            v.spawned = go


def _ready_file(args: argparse.Namespace, served: list[Venue]) -> Path:
    """What a warm-started process writes once imported: its venue's, or its light LAN's."""
    name = f"light-{served[0].lan}" if served[0].light else served[0].venue_id
    return Path(args.out) / f"{name}.ready"


def _light_argv(args: argparse.Namespace, group: LightProcess) -> list[str]:
    """Write the LAN's light-group spec; the command line that runs it (via `warm_light`).
    Each venue sends a pre-encoded clip of the full venues' camera format (the studio decodes
    every venue's camera, so its load is the day's), counts the program without decoding
    it, and gathers ICE on every interface, so a renumbered LAN's venues find their new one."""
    invites = [args.out / f"{v.venue_id}.invite" for v in group.venues]
    spec = LightGroupSpec(
        venues=[LightVenueSpec(invite=str(path)) for path in invites],
        ice_addresses=None,
        out=str(group.out),
        clip=str(args.venue_video),
        decode=False,
    )
    spec.dump(group.spec)
    group.out.unlink(missing_ok=True)
    group.times.unlink(missing_ok=True)
    ready = _ready_file(args, group.venues)
    first = str(ready) if args.warm_start else "-"
    return [sys.executable, "-m", "launcher.bench_network", "--light", first, str(group.spec)]


def warm_venue(argv: list[str]) -> int:
    """`python -m launcher.bench_network READY_FILE|- VENUE-ARGS…` (bench only): run `ceremony
    venue` with its join marks and audio counts in the log (INFO lines of media.venue; the
    CLI logs warnings only). With READY_FILE: import what a venue needs first, say so with the
    file, and wait for a line on stdin before joining."""
    import logging

    import launcher.cli

    # The venue's INFO lines go to its log file under the user's log folder (shared by every
    # venue process here); the two this bench reads also go to the process's own output.
    marks = logging.StreamHandler(sys.stdout)
    marks.setLevel(logging.INFO)
    marks.addFilter(
        lambda record: record.getMessage().startswith(
            ("join phases", "program audio", "program video")
        )
    )
    marks.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    logging.getLogger("media.venue").addHandler(marks)
    if argv[0] != "-":
        import launcher.live
        import media.venue  # noqa: F401

        Path(argv[0]).write_text(f"{time.monotonic():.3f}\n", encoding="utf-8")
        sys.stdin.readline()
    return launcher.cli.main(argv[1:])


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


def _log_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _first_phases(text: str) -> dict[str, float]:
    """The venue's phase marks of its first join (`join phases: connect=… welcome=…`)."""
    found = PHASES.search(text)
    if found is None:
        return {}
    marks = {}
    for part in found.group(1).split():
        key, _, value = part.partition("=")
        with contextlib.suppress(ValueError):
            marks[key] = float(value)
    return marks


def _from_connect(joined: float | None, marks: dict[str, float]) -> float | None:
    """The studio's first JOINED minus the venue's connect of its first completed join. None
    when the studio marked an earlier attempt joined whose welcome the venue never got (a
    starved machine): that pairing would be negative, and `join_venue_side_s` still says it."""
    if joined is None or "connect" not in marks or joined < marks["connect"]:
        return None
    return round(joined - marks["connect"], 2)


def _light_phases(out: Path, v: Venue) -> dict[str, float]:
    """A light venue's marks of its first completed join, from its process's `.times` file."""
    path = LightProcess(v.lan, [], out / f"light-{v.lan}.json").times
    try:
        times = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    phases = times.get(v.venue_id, {}).get("phases") or {}
    return {key: float(value) for key, value in phases.items()}


def _phase_durations(marks: dict[str, float]) -> dict[str, float]:
    """Seconds each phase took: signaling (WebSocket+TLS), ice_plan (TURN credentials and the
    UDP probe), gathered (candidates, TURN allocation), answered (the studio's answer),
    welcome (ICE checks, DTLS, SCTP, the welcome on the control channel)."""
    keys = list(marks)
    return {b: round(marks[b] - marks[a], 3) for a, b in itertools.pairwise(keys)}


def _audio_counts(text: str) -> dict[str, Any] | None:
    """The venue decoder's last count of the program audio (cumulative over its sessions)."""
    found = AUDIO.findall(text)
    if not found:
        return None
    expected, received, recovered, concealed = (int(x) for x in found[-1])
    return {
        "packets": expected,
        "received": received,
        "recovered": recovered,
        "concealed": concealed,
        "concealed_pct": round(100 * concealed / expected, 2) if expected else None,
    }


def keyframe_gaps(times: Iterable[float], start: float, end: float) -> dict[str, Any]:
    """A rung's keyframes (the GOP's and forced ones) between `start` and `end`: how many, and
    the least and the median gap between two in a row (s)."""
    inside = [t for t in times if start <= t <= end]
    gaps = [b - a for a, b in itertools.pairwise(inside)]
    return {
        "keyframes": len(inside),
        "gap_min_s": round(min(gaps), 2) if gaps else None,
        "gap_median_s": round(statistics.median(gaps), 2) if gaps else None,
    }


def _video_counts(text: str) -> dict[str, int] | None:
    """The venue's program picture as its receive buffer counted it (its last line: the counts
    are cumulative over its sessions)."""
    found = VIDEO.findall(text)
    if not found:
        return None
    return dict(zip(VIDEO_KEYS, (int(x) for x in found[-1]), strict=True))


def _late_pct(latencies: list[float]) -> float | None:
    if not latencies:
        return None
    return round(100 * sum(x > LATE_MS for x in latencies) / len(latencies), 2)


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)


def _mic_counts(counts: dict[str, int] | None) -> dict[str, Any] | None:
    """The studio's counts of one venue's microphone (OpusReceiveStats as a dict), with the
    share concealed: lost and not rebuilt from FEC."""
    if not counts:
        return None
    expected = counts["received"] + counts["recovered"] + counts["concealed"]
    pct = round(100 * counts["concealed"] / expected, 2) if expected else None
    return dict(counts) | {"expected": expected, "concealed_pct": pct}


def _result(
    args: argparse.Namespace,
    venues: list[Venue],
    snapshot: dict[str, Any],
    audio_loss: dict[str, float | None],
    countdowns: list[dict[str, Any]],
) -> dict[str, Any]:
    paths = {v["id"]: v["path"] for v in snapshot["venues"]}
    rungs = {v["id"]: v.get("program_rung") for v in snapshot["venues"]}
    heard = {v["id"]: _mic_counts(v.get("audio_in")) for v in snapshot["venues"]}
    rows = []
    every_frame: list[float] = []
    window_frames: list[float] = []  # every frame up to the frame-rate window's end
    for v in venues:
        lat = _latencies(v.latency_log)
        every_frame += lat
        fps = v.fps or [0.0]
        text = "" if v.light else _log_text(args.out / f"{v.venue_id}.log")
        marks = _light_phases(args.out, v) if v.light else _first_phases(text)
        audio = _audio_counts(text)
        down = next((t for t, r in v.rungs if r > 0), None)
        after = lat[v.latency_lines_at_switch :] if v.latency_lines_at_switch is not None else []
        # Up to the frame-rate window's end: after it, the rung-CPU phases hold every venue,
        # the shaped one too, on the top rung for a while, which its link cannot carry.
        end = v.latency_lines_at_window_end
        window_frames += lat[:end] if end is not None else lat
        switch = v.latency_lines_at_switch
        in_window = lat[switch:end] if switch is not None else []
        window_end = snapshot.get("window_end", float("inf"))
        # Moves up by the policy (a probe, or the estimate's) up to the window's end; after
        # it, the rung-CPU phases set every venue's rung themselves.
        ups = [t for (_, r0), (t, r1) in itertools.pairwise(v.rungs) if r1 < r0 and t <= window_end]
        since_join = v.joined if v.joined is not None else 0.0
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
                # Light: a clip for a camera, the program counted, not decoded (no latency,
                # no audio counts); its path, rung, joins and countdown are measured as any.
                "light": v.light,
                "join_from_connect_s": _from_connect(v.joined, marks),
                # The venue's own view of the same attempt: its connect to its welcome.
                "join_venue_side_s": round(marks["welcome"] - marks["connect"], 2)
                if {"welcome", "connect"} <= marks.keys()
                else None,
                # Process start (or the warm start's "go") to its first signaling connect:
                # the interpreter and imports on a cold start, on cores all share here.
                "import_s": round(marks["connect"] - v.spawned, 2) if "connect" in marks else None,
                "join_phases_s": _phase_durations(marks),
                "latency_p95_ms": _p95(lat),
                "frames_with_latency": len(lat),
                "late_pct": _late_pct(lat),
                "late_pct_after_lower_rung": _late_pct(after),
                "late_pct_after_lower_rung_in_window": _late_pct(in_window),
                "lower_rung_after_s": round(down - v.joined, 2)
                if down is not None and v.joined is not None
                else None,
                "rung_changes": len(v.rungs) - 1,
                # Each rung it was put on, from its join (s; the rung-CPU phases' too).
                "rungs_from_join_s": [[round(t - v.joined, 1), r] for t, r in v.rungs]
                if v.joined is not None
                else [],
                "moves_up_in_window_from_join_s": [round(t - since_join, 1) for t in ups],
                # What the rung policy saw: the venue receiver's bandwidth estimate (REMB, kbit/s;
                # none from count-only venues, which keep no estimator) …
                "estimate_kbit_s_from_join": [
                    [round(t - since_join, 1), round(bps / 1000)] for t, bps in v.estimates
                ],
                # … and each ceiling it learned: [when, rung, no probe of it until] from join.
                "ceilings_from_join_s": [
                    [round(t - since_join, 1), r, round(until - since_join, 1)]
                    for t, r, until in v.ceilings
                ],
                # RTCP's view: what the network lost.
                "audio_lost_pct": audio_loss.get(v.venue_id),
                # The decoder's view: packets neither received nor rebuilt from FEC.
                "audio": audio,
                # The picture's receive buffer: frames dropped behind a lost packet it gave up
                # on (0.5 s), or because the decoder or the display fell behind.
                "video": _video_counts(text),
                # The venue's microphone as the studio's decoder counted it (whole run).
                "mic_at_studio": heard.get(v.venue_id),
                # Its process's CPU (cores) over the frame-rate window (niced once joined).
                "cpu_cores": v.cpu_cores,
            }
        )

    def slowest(relayed: bool, key: str = "join_s") -> float | None:
        """None when any of them never joined (never the slowest of those that did)."""
        times = [r[key] for r in rows if r["path"].startswith("relay") == relayed]
        return None if not times or None in times else max(times)

    def one(lan: str) -> dict[str, Any]:
        return next(r for r in rows if r["lan"] == lan)

    spreads = [c["spread_ms"] for c in countdowns if c["spread_ms"] is not None]
    forced = snapshot.get("keyframes_forced_in_window") or []
    window = snapshot.get("window_s") or 0.0
    lossy_audio = one("lossy")["audio"] or {}
    cpu = snapshot.get("cpu") or {}
    rung_cpu = snapshot.get("rung_cpu") or {}
    rates = cpu.get("rung_kbit_s") or []

    def venue_cpu(decodes: bool) -> float | None:
        values = [
            r["cpu_cores"]
            for r in rows
            if r["decodes"] == decodes and not r["light"] and r["cpu_cores"]
        ]
        return round(statistics.median(values), 3) if values else None

    lights = snapshot.get("light_processes") or []
    timeline = snapshot.get("cpu_timeline") or []

    def loop_share(key: str) -> float | None:
        values = [t[key] for t in timeline]
        return round(statistics.median(values), 2) if values else None

    summary = {
        "joined": sum(r["join_s"] is not None for r in rows),
        "venues": len(rows),
        "start": "warm" if args.warm_start else "cold",
        # Warm start: how many venue processes had finished importing when told to join.
        "warm_ready_at_go": getattr(args, "warm_ready", None),
        "slowest_join_venue_side_s": max(
            (r["join_venue_side_s"] for r in rows if r["join_venue_side_s"] is not None),
            default=None,
        ),
        "slowest_join_direct_s": slowest(False),
        "slowest_join_relayed_s": slowest(True),
        "slowest_join_from_connect_direct_s": slowest(False, "join_from_connect_s"),
        "slowest_join_from_connect_relayed_s": slowest(True, "join_from_connect_s"),
        "slowest_join_from_offer_direct_s": slowest(False, "join_from_offer_s"),
        "slowest_join_from_offer_relayed_s": slowest(True, "join_from_offer_s"),
        "slowest_import_s": max((r["import_s"] or 0.0) for r in rows),
        "program_source": args.source,
        "slow_venue_lower_rung_after_s": one("slow")["lower_rung_after_s"],
        "slow_venue_late_pct_after_lower_rung": one("slow")["late_pct_after_lower_rung"],
        "slow_venue_late_pct_after_lower_rung_in_window": one("slow")[
            "late_pct_after_lower_rung_in_window"
        ],
        "slow_venue_moves_up_in_window_from_join_s": one("slow")["moves_up_in_window_from_join_s"],
        "slow_venue_ceilings_from_join_s": one("slow")["ceilings_from_join_s"],
        "slow_venue_estimate_kbit_s_first_last": [
            e[1] for e in one("slow")["estimate_kbit_s_from_join"][:1]
        ]
        + [e[1] for e in one("slow")["estimate_kbit_s_from_join"][-1:]],
        # What the receive buffers did with the picture (media/video_receive.py).
        "slow_venue_video": one("slow")["video"],
        "lossy_venue_video": one("lossy")["video"],
        "lossy_venue_audio_concealed_pct": lossy_audio.get("concealed_pct"),
        "lossy_venue_audio_recovered_by_fec": lossy_audio.get("recovered"),
        "lossy_venue_mic_at_studio_concealed_pct": (one("lossy")["mic_at_studio"] or {}).get(
            "concealed_pct"
        ),
        "lossy_venue_mic_at_studio_recovered_by_fec": (one("lossy")["mic_at_studio"] or {}).get(
            "recovered"
        ),
        "mic_at_studio_concealed_pct_max_other_venues": max(
            ((r["mic_at_studio"] or {}).get("concealed_pct") or 0.0)
            for r in rows
            if r["lan"] != "lossy"
        ),
        "audio_concealed_pct_max_other_venues": max(
            ((r["audio"] or {}).get("concealed_pct") or 0.0) for r in rows if r["lan"] != "lossy"
        ),
        "keyframes_forced_in_window_per_rung": forced,
        # Every keyframe of each rung in the window (the GOP's and forced): the least gap.
        "keyframe_gap_min_s_per_rung": [
            g["gap_min_s"] for g in snapshot.get("keyframe_gaps_in_window") or []
        ],
        "keyframes_in_window_per_rung": [
            g["keyframes"] for g in snapshot.get("keyframe_gaps_in_window") or []
        ],
        # Forced keyframes (requests, joins, rung moves) on the top rung: their mean gap over
        # the window, and the least gap the bus allows between two (plus the 2 s GOP's own).
        "top_rung_forced_keyframe_mean_gap_s": round(window / forced[0], 1)
        if forced and forced[0]
        else None,
        "forced_keyframe_gap_min_s": MIN_FORCED_KEYFRAME_GAP_S,
        "keyframe_interval_s": KEYFRAME_INTERVAL_S,
        "top_rung_venues_fps_min_median": min(
            (r["program_fps_median"] for r in rows if r["lan"] not in ("slow", "lossy")),
            default=None,
        ),
        "relayed_paths": sorted({r["path"] for r in rows if r["path"].startswith("relay")}),
        "countdown_spread_ms": spreads,
        "countdown_fired": [c["fired"] for c in countdowns],
        "program_fps_min_median_across_venues": min(r["program_fps_median"] for r in rows),
        "slow_venue_fps_median": one("slow")["program_fps_median"],
        "lossy_venue_fps_median": one("lossy")["program_fps_median"],
        "lossy_venue_audio_lost_pct": one("lossy")["audio_lost_pct"],
        "latency_p95_ms_every_frame": _p95(every_frame),
        # The same up to the frame-rate window's end (joins, the window; no rung-CPU phases).
        "latency_p95_ms_every_frame_to_window_end": _p95(window_frames),
        "keyframe_requests_refused": snapshot.get("keyframe_requests_refused"),
        "frames_with_latency": len(every_frame),
        # What each rung really sent over the window (the encoders' output).
        "top_rung_kbit_s": rates[0] if rates else None,
        "lower_rung_kbit_s": rates[1] if len(rates) > 1 else None,
        # CPU over the frame-rate window, in cores (this machine has os.cpu_count()).
        "studio_cpu_cores": cpu.get("studio_cores"),
        "studio_encode_thread_cores": cpu.get("encode_thread_cores"),
        "studio_codec_worker_threads_cores": cpu.get("native_threads_cores"),
        "studio_program_fps": cpu.get("studio_fps"),
        "venue_cpu_cores_median_decoding": venue_cpu(True),
        "venue_cpu_cores_median_counting": venue_cpu(False),
        # Full venues' processes and the light processes together.
        "venue_cpu_cores_total": round(
            sum(r["cpu_cores"] or 0.0 for r in rows) + sum(g["cpu_cores"] or 0.0 for g in lights),
            3,
        ),
        "light_process_cpu_cores": {g["lan"]: g["cpu_cores"] for g in lights},
        # The studio's event loop over the whole run (median of seconds): the share of each
        # second it ran, and the share it was ready but waited for a core (starved).
        "studio_loop_running_share_median": loop_share("studio_loop_running"),
        "studio_loop_waiting_share_median": loop_share("studio_loop_waiting"),
        "light_venues": [r["id"] for r in rows if r["light"]],
        "full_venues": [r["id"] for r in rows if not r["light"]],
        # Two rungs against one, side by side in this run (--rung-cpu-phases).
        "studio_cpu_cores_one_rung": rung_cpu.get("studio_cores_one_rung"),
        "studio_cpu_cores_two_rungs": rung_cpu.get("studio_cores_two_rungs"),
        "studio_cpu_two_rungs_over_one": rung_cpu.get("ratio"),
        "studio_cpu_per_frame_two_rungs_over_one": rung_cpu.get("ratio_per_frame"),
        "encode_cpu_two_rungs_over_one": rung_cpu.get("encode_ratio"),
    }
    return {
        "bench": "network",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "program": str(args.program),
        "program_bitrate": args.bitrate,
        "program_source": args.source,
        "load_average": os.getloadavg(),
        "load_average_in_window": cpu.get("load_average"),
        "venue_video": str(args.venue_video),
        # Which venues were light (one process per LAN, in its namespace) and why those.
        "light_venues": {
            "count": sum(v.light for v in venues),
            "processes": lights,
            "full": [
                {"id": v.venue_id, "lan": v.lan, "decodes": v.decodes}
                for v in venues
                if not v.light
            ],
            "why": LIGHT_WHY,
        },
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
        "rung_cpu": rung_cpu or None,
        # Each second of the run: the studio's CPU and frames, each venue process's CPU.
        "cpu_timeline": snapshot.get("cpu_timeline") or [],
    }


def warm_light(argv: list[str]) -> int:
    """`python -m launcher.bench_network --light READY_FILE|- SPEC` (bench only): run a LAN's
    light venues (`launcher.light_venue`); with READY_FILE, import first, say so with the file
    and wait for a line on stdin before joining, as `warm_venue` does."""
    import logging

    import launcher.light_venue

    # The links' own account (a lost address, a rejoin, each join's phases) in the LAN's log,
    # through the root handler `light_venue.main` sets up.
    logging.getLogger("media.venue").setLevel(logging.INFO)
    if argv[0] != "-":
        Path(argv[0]).write_text(f"{time.monotonic():.3f}\n", encoding="utf-8")
        sys.stdin.readline()
    return launcher.light_venue.main(argv[1:])


__all__ = ["main", "warm_light", "warm_venue"]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--light"]:
        sys.exit(warm_light(sys.argv[2:]))
    sys.exit(warm_venue(sys.argv[1:]))
