"""`ceremony demo --headless`: a studio (in this process) and N venue processes on loopback run the
sample run-sheet compressed into S seconds, with progress in the terminal and DIR/report.json.

The same runner serves `ceremony bench session`, which adds the incidents it measures: a venue
frozen (SIGSTOP: heartbeats stop, sockets stay open) and a venue killed and restarted (SIGKILL).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ceremony.runs import RunInfo, runsheet_sha256
from ceremony.runsheet import Item, Runsheet, Source, SourceKind, Venue
from ceremony.sequencer import Status
from launcher.live import KeyboardStop, StandInOperator
from launcher.messages import Failure, pick_language, say
from launcher.processes import stop_process
from media import clock
from media.ice import enlarge_socket_buffers, pin_host_addresses
from media.identity import ensure_identity
from media.loop import quiet_teardown_errors
from media.netsim import NetKind
from media.private_files import make_private_dir, open_private, write_private
from media.program import VideoFormat
from media.studio import StudioConfig, StudioEngine, VenueStatus, VenueStatusChanged

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
Body = Callable[[StudioEngine, Runsheet], Awaitable[dict[str, Any]]]
VENUE_NICE = 5
SPAWN_STAGGER_S = 0.35  # 11 Python processes importing aiortc at once would starve 2 cores


def fit_venues(sheet: Runsheet, n: int) -> Runsheet:
    """The sheet with exactly n venues: the first n, or placeholders added after the last."""
    venues = list(sheet.venues[:n])
    for i in range(len(venues), n):
        venues.append(Venue(f"lokasi-{i + 1:03d}", f"MPP Lokasi {i + 1:03d} (menyusul)", ""))
    keep = {v.id for v in venues}
    items: list[Item] = []
    for item in sheet.items:
        source = item.source
        if source.kind is SourceKind.VENUE and source.ref not in keep:
            source = Source.studio()
        chosen = tuple(v for v in item.venues if v in keep)
        items.append(dataclasses.replace(item, source=source, venues=chosen))
    return Runsheet(sheet.ceremony, tuple(venues), tuple(items))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class VenueProcess:
    venue_id: str
    invite_path: Path
    log_path: Path
    video: VideoFormat
    extra_args: list[str] = field(default_factory=list)
    wrapper: list[str] = field(default_factory=list)  # e.g. unshare into a time namespace
    proc: subprocess.Popen[bytes] | None = None
    spawned_mono: float = 0.0
    first_spawned_mono: float | None = None

    def spawn(self) -> None:
        log_file = open_private(self.log_path)  # owned by the child process
        self.proc = subprocess.Popen(
            [
                *self.wrapper,
                sys.executable,
                "-m",
                "launcher.cli",
                "venue",
                "--headless",
                "--invite",
                str(self.invite_path),
                "--ice-address",
                LOOPBACK,
                "--video",
                str(self.video),
                "--no-program-sound",  # eleven copies of the program on one speaker: no
                *self.extra_args,
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log_file.close()
        self.spawned_mono = time.monotonic()
        if self.first_spawned_mono is None:
            self.first_spawned_mono = self.spawned_mono

    def yield_cpu(self) -> None:
        """Once joined, let the venue yield to the studio.

        On the day each venue has its own computer; here eleven share the studio's two cores,
        and the benchmarks measure the studio. Not before joining: a start-up at low priority
        behind a busy studio would make the join times say nothing about the product.
        """
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self.proc.pid, VENUE_NICE)

    def signal(self, sig: signal.Signals) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen venue must be able to hear the TERM
        stop_process(self.proc, timeout_s=10)


@dataclass
class Incident:
    """A venue process frozen or killed on purpose, and how the studio saw it."""

    kind: str  # "freeze" (SIGSTOP) or "kill" (SIGKILL, then restart)
    venue_id: str
    at_s: float
    restart_after_s: float
    injected_mono: float | None = None
    restarted_mono: float | None = None
    lost_mono: float | None = None
    rejoined_mono: float | None = None
    others_min_program_fps: float | None = None

    def result(self) -> dict[str, Any]:
        def span(a: float | None, b: float | None) -> float | None:
            return round(b - a, 3) if a is not None and b is not None else None

        return {
            "kind": self.kind,
            "venue": self.venue_id,
            "lost_detected_s": span(self.injected_mono, self.lost_mono),
            "back_after_restart_s": span(self.restarted_mono, self.rejoined_mono),
            "others_min_program_fps": self.others_min_program_fps,
        }


@dataclass(frozen=True)
class SimDraw:
    """One venue's simulated clock and path, drawn by the harness (which therefore knows a)."""

    offset_s: float
    drift_ppm: float
    net: NetKind
    rtt_s: float
    asymmetry_s: float
    seed: int

    def args(self) -> list[str]:
        return [
            "--sim-clock-offset",
            repr(self.offset_s),
            "--sim-drift-ppm",
            repr(self.drift_ppm),
            "--sim-net",
            self.net.value,
            "--sim-rtt-ms",
            repr(self.rtt_s * 1000),
            "--sim-asymmetry-ms",
            repr(self.asymmetry_s * 1000),
            "--sim-seed",
            str(self.seed),
            "--sim-true-time",
        ]


@dataclass(frozen=True)
class SimOptions:
    net: NetKind = NetKind.LAN
    clock_offset_max_s: float = 60.0
    drift_ppm: float = 100.0
    asymmetry_ms: float = 20.0
    seed: int = 1

    def draw(self, venue_ids: list[str]) -> dict[str, SimDraw]:
        rng = random.Random(self.seed)
        out = {}
        for i, vid in enumerate(venue_ids):
            if self.net is NetKind.LAN:
                # A switched LAN: sub-millisecond paths, nearly symmetric.
                rtt, asym = rng.uniform(0.0005, 0.0015), rng.uniform(-0.0001, 0.0001)
            elif self.net is NetKind.NONE:
                rtt, asym = 0.0, 0.0
            else:
                rtt = rng.uniform(0.020, 0.300)
                a = min(self.asymmetry_ms / 1000, rtt * 0.9)
                asym = rng.uniform(-a, a)
            out[vid] = SimDraw(
                offset_s=rng.uniform(-self.clock_offset_max_s, self.clock_offset_max_s),
                drift_ppm=rng.uniform(-self.drift_ppm, self.drift_ppm),
                net=self.net,
                rtt_s=rtt,
                asymmetry_s=asym,
                seed=self.seed * 100 + i,
            )
        return out


@dataclass
class DemoOptions:
    venues: int = 11
    duration_s: float = 60.0
    out: Path = Path("demo-out")
    program: VideoFormat = field(default_factory=lambda: VideoFormat(640, 360, 15))
    venue_video: VideoFormat = field(default_factory=lambda: VideoFormat(320, 180, 15))
    incidents: list[Incident] = field(default_factory=list)
    join_timeout_s: float = 20.0
    sim: SimOptions | None = field(default_factory=SimOptions)
    countdown_lead_s: float = 5.0
    venue_media: bool = True
    decoding_venues: int | None = None  # bench: only the first N venues decode the program
    naive_fanout: bool = False
    program_bitrate: int = 600_000
    # The demo command records unless told not to; benchmarks and tests leave it off so they
    # measure (and wait for) the live session alone.
    record: bool = False
    rehearsal: bool = False  # the run is marked rehearsal (GLADI) in the journal and report


@dataclass
class Samples:
    """Per-second readings of every venue while it was joined."""

    at_studio: dict[str, list[float]] = field(default_factory=dict)
    at_venue: dict[str, list[float]] = field(default_factory=dict)
    sent: dict[str, list[float]] = field(default_factory=dict)
    rtt: dict[str, list[float]] = field(default_factory=dict)
    latency_p50: dict[str, list[float]] = field(default_factory=dict)
    latency_p95: dict[str, list[float]] = field(default_factory=dict)
    program_sent: list[float] = field(default_factory=list)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


class Demo:
    def __init__(self, sheet: Runsheet, options: DemoOptions, stream: TextIO) -> None:
        self.options = options
        self.sheet = fit_venues(sheet, options.venues)
        self.stream = stream
        self.samples = Samples()
        self.procs: dict[str, VenueProcess] = {}
        self.engine: StudioEngine | None = None
        self.compressed = self.sheet
        self._joined_at: dict[str, float] = {}
        self.result: dict[str, Any] | None = None  # the console demo's, once it has run
        ids = [v.id for v in self.sheet.venues]
        self.sim: dict[str, SimDraw] = options.sim.draw(ids) if options.sim else {}

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def prepare(self) -> StudioEngine:
        """Everything before the event loop runs: folders, identity, invites, the engine.

        Call on the thread whose loop will run the engine (aiortc objects belong to their loop).
        """
        o = self.options
        o.out.mkdir(parents=True, exist_ok=True)
        make_private_dir(o.out / "invites")  # tokens and logs: the owner's alone
        make_private_dir(o.out / "logs")
        pin_host_addresses([LOOPBACK])
        enlarge_socket_buffers()
        port = free_port()
        identity = ensure_identity(o.out / "studio", [LOOPBACK])
        self.compressed = self.sheet.scaled(o.duration_s)
        journal = o.out / "journal.jsonl"
        journal.unlink(missing_ok=True)
        config = StudioConfig(
            host=LOOPBACK,
            port=port,
            program=o.program,
            program_bitrate=o.program_bitrate,
            naive_fanout=o.naive_fanout,
            record_dir=o.out / "recordings" if o.record else None,
        )
        run = RunInfo(time.strftime("%Y%m%d-%H%M%S"), o.rehearsal, runsheet_sha256(self.compressed))
        engine = StudioEngine(self.compressed, identity, config, journal, run)
        self.engine = engine
        engine.subscribe(self._on_event)
        for index, venue in enumerate(self.sheet.venues):
            invite = identity.invite(
                self.sheet, venue.id, [f"{LOOPBACK}:{port}"], time.time() + 24 * 3600
            )
            path = o.out / "invites" / f"{venue.id}.invite.txt"
            write_private(path, (invite.to_string() + "\n").encode())
            draw = self.sim.get(venue.id)
            self.procs[venue.id] = VenueProcess(
                venue.id,
                path,
                o.out / "logs" / f"{venue.id}.log",
                o.venue_video,
                (draw.args() if draw else [])
                + ([] if o.venue_media else ["--no-media"])
                + (
                    ["--count-only"]
                    if o.decoding_venues is not None and index >= o.decoding_venues
                    else []
                ),
            )
        self.say(
            f"studio on wss://{LOOPBACK}:{port}/signal; program {o.program}, "
            f"venue video {o.venue_video if o.venue_media else 'off'}; "
            f"starting {len(self.procs)} venue processes"
        )
        return engine

    def stop_venues(self) -> None:
        # Ask them all first, then wait: one at a time, eleven shutdowns add up.
        for proc in self.procs.values():
            proc.signal(signal.SIGCONT)
            proc.signal(signal.SIGTERM)
        for proc in self.procs.values():
            proc.stop()

    async def run(self, body: Body | None = None) -> dict[str, Any]:
        """Start the studio and the venues, run `body` (default: the ceremony), stop all."""
        quiet_teardown_errors(asyncio.get_running_loop())
        engine = self.prepare()
        await engine.start()
        stop = asyncio.Event()
        language = pick_language(None)
        keys = KeyboardStop(
            stop,
            confirm=body is None and not self.options.rehearsal,  # benchmarks stop at once
            warn=lambda: self.say(say(Failure.CONFIRM_LIVE_STOP, language)),
        )
        with contextlib.suppress(RuntimeError, ValueError):  # only the main thread has signals
            keys.install()
        try:
            await self._spawn_and_join()
            began = time.monotonic()
            work: asyncio.Future[dict[str, Any]] = asyncio.ensure_future(
                (body or self._ceremony)(engine, self.compressed)
            )
            stopped: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
            await asyncio.wait([work, stopped], return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if work.done():
                result = work.result()
            else:  # Ctrl+C (confirmed) or SIGTERM: the run ends here, cleanly
                work.cancel()
                await asyncio.gather(work, return_exceptions=True)
                self.say(say(Failure.STOPPING, language, run=engine.run.id if engine.run else ""))
                result = self._report(self.compressed, time.monotonic() - began)
                result["interrupted"] = True
        finally:
            self.stop_venues()
            await engine.stop("stopped" if stop.is_set() else "ended")
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(RuntimeError, ValueError):
                    loop.remove_signal_handler(sig)
        if body is None:  # the ceremony ran: add the recording and the as-run report
            self.finish(result)
        return result

    def finish(self, result: dict[str, Any]) -> None:
        """After the engine has stopped: the recording into report.json, and the as-run."""
        result["recording"] = self._recording()
        self._write_report(result)
        self._as_run()

    def _write_report(self, report: dict[str, Any]) -> None:
        path = self.options.out / "report.json"
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")

    def _recording(self) -> dict[str, Any] | None:
        """The program recording as the journal's last word on it says."""
        from ceremony import notes as n
        from ceremony.journal import RecordKind
        from media.journal_reader import read_journal

        closed = [
            note
            for r in read_journal(self.options.out / "journal.jsonl").records
            if r.kind is RecordKind.NOTE
            and isinstance(note := n.decode_note(r.payload), n.RecordingClosed)
        ]
        isos = [
            {
                "venue": c.venue,
                "path": c.path,
                "duration_s": c.duration_s,
                "frames": c.frames,
                "failed": c.failed,
            }
            for c in closed
            if c.venue is not None
        ]
        programs = [c for c in closed if c.venue is None]
        if not programs:
            return None
        last = programs[-1]
        return {
            "program": last.path,
            "duration_s": last.duration_s,
            "chapters": [{"title": c.title, "start_s": c.start_s} for c in last.chapters],
            "sha256": last.sha256,
            "iso": isos,
            "failed": last.failed,
        }

    async def rehearse(self, engine: StudioEngine) -> None:
        """For the console demo: venues join, the stand-in operator runs the ceremony, and the
        same report.json as the headless demo is written (so both can be compared)."""
        await self._spawn_and_join()
        report = await self._ceremony(engine, self.compressed)
        # The recording is still open (it closes with the console): finish() adds it.
        self.result = report
        self._write_report(report)
        self.say(summarize(report))

    async def _spawn_and_join(self) -> None:
        o = self.options
        t0 = time.monotonic()
        for proc in self.procs.values():
            proc.spawn()
            await asyncio.sleep(SPAWN_STAGGER_S)
        deadline = time.monotonic() + o.join_timeout_s
        while len(self._joined_at) < len(self.procs) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        self.say(
            f"{len(self._joined_at)}/{len(self.procs)} venues joined "
            f"in {time.monotonic() - t0:.1f} s"
        )

    async def _ceremony(self, engine: StudioEngine, compressed: Runsheet) -> dict[str, Any]:
        o = self.options
        self.say("the ceremony starts")
        operator = StandInOperator(engine, o.countdown_lead_s)
        start = time.monotonic()
        next_sample = start + 1.0
        pending = sorted(o.incidents, key=lambda i: i.at_s)
        while engine.desk.sequencer.state.status is not Status.ENDED:
            await asyncio.sleep(0.05)
            operator.step()
            now = time.monotonic()
            self._incidents(pending, now - start)
            if now >= next_sample:
                next_sample += 1.0
                self._sample(now - start)
        # Let the last incident's venue come back before reporting, if it is on its way.
        settle = time.monotonic() + 8.0
        while (
            any(i.rejoined_mono is None and i.restarted_mono is not None for i in o.incidents)
            and time.monotonic() < settle
        ):
            await asyncio.sleep(0.1)
        return self._report(compressed, time.monotonic() - start)

    def _as_run(self) -> None:
        """The protocol staff's as-run report of this demo, beside report.json."""
        from launcher.report import write_report

        try:
            _, files = write_report(self.options.out / "journal.jsonl", self.options.out / "as-run")
        except (OSError, ValueError) as exc:
            self.say(f"as-run report not written: {exc}")
            return
        self.say("as-run report: " + ", ".join(str(f) for f in files))

    def _incidents(self, pending: list[Incident], elapsed: float) -> None:
        now = time.monotonic()
        for inc in self.options.incidents:
            proc = self.procs[inc.venue_id]
            if inc.injected_mono is None and elapsed >= inc.at_s:
                inc.injected_mono = now
                self.say(
                    f"! {inc.kind} venue {inc.venue_id} (pid {proc.proc.pid if proc.proc else '?'})"
                )
                proc.signal(signal.SIGSTOP if inc.kind == "freeze" else signal.SIGKILL)
            elif (
                inc.injected_mono is not None
                and inc.restarted_mono is None
                and now - inc.injected_mono >= inc.restart_after_s
            ):
                inc.restarted_mono = now
                if inc.kind == "freeze":
                    proc.signal(signal.SIGCONT)
                else:
                    if proc.proc:
                        proc.proc.wait()
                    proc.spawn()
                self.say(f"! venue {inc.venue_id} restarted")

    def _on_event(self, event: object) -> None:
        if not isinstance(event, VenueStatusChanged):
            return
        now = time.monotonic()
        if event.status is VenueStatus.JOINED:
            self._joined_at.setdefault(event.venue_id, now)
            if self.options.venue_media:
                # Only under media load: niced venues also stamp clock probes later than the
                # studio does, which biases the countdown by half the difference.
                self.procs[event.venue_id].yield_cpu()
            for inc in self.options.incidents:
                if (
                    inc.venue_id == event.venue_id
                    and inc.restarted_mono is not None
                    and inc.rejoined_mono is None
                ):
                    inc.rejoined_mono = now
                    self.say(
                        f"  venue {event.venue_id} back "
                        f"{now - inc.restarted_mono:.2f} s after its restart"
                    )
        elif event.status is VenueStatus.LOST:
            for inc in self.options.incidents:
                if (
                    inc.venue_id == event.venue_id
                    and inc.injected_mono is not None
                    and inc.lost_mono is None
                ):
                    inc.lost_mono = now
                    self.say(
                        f"  venue {event.venue_id} marked lost "
                        f"{now - inc.injected_mono:.2f} s after the {inc.kind} "
                        f"({event.reason})"
                    )

    def _disturbed(self, venue_id: str) -> bool:
        for inc in self.options.incidents:
            if (
                inc.venue_id == venue_id
                and inc.injected_mono is not None
                and (inc.rejoined_mono is None or time.monotonic() - inc.rejoined_mono < 3.0)
            ):
                return True
        return False

    def _sample(self, elapsed: float) -> None:
        assert self.engine is not None
        snap = self.engine.snapshot()
        self.samples.program_sent.append(float(snap["program_fps_sent"]))  # type: ignore[arg-type]
        at_venue_now: list[float] = []
        joined = 0
        for v in snap["venues"]:  # type: ignore[attr-defined]
            vid = v["id"]
            if v["status"] != "joined":
                continue
            joined += 1
            # Skip a venue's first seconds after joining: its meters are still filling up.
            record = self.engine.venues[vid]
            if record.last_joined_mono is None or time.monotonic() - record.last_joined_mono < 3:
                continue
            if self._disturbed(vid):
                continue
            self.samples.at_studio.setdefault(vid, []).append(v["video_fps_at_studio"])
            self.samples.at_venue.setdefault(vid, []).append(v["program_fps_at_venue"])
            self.samples.sent.setdefault(vid, []).append(v["video_fps_sent"])
            if v["rtt_ms"] is not None:
                self.samples.rtt.setdefault(vid, []).append(v["rtt_ms"])
            if v["latency_p50_ms"] is not None:
                self.samples.latency_p50.setdefault(vid, []).append(v["latency_p50_ms"])
                self.samples.latency_p95.setdefault(vid, []).append(v["latency_p95_ms"])
            at_venue_now.append(v["program_fps_at_venue"])
        for inc in self.options.incidents:
            if inc.injected_mono is not None and (inc.rejoined_mono is None) and at_venue_now:
                low = min(at_venue_now)
                inc.others_min_program_fps = (
                    low
                    if inc.others_min_program_fps is None
                    else min(low, inc.others_min_program_fps)
                )
        seq = self.engine.desk.sequencer
        cur = seq.state.current
        title = seq.sheet.items[cur].title if cur is not None else "-"
        low_studio = min(
            (
                v["video_fps_at_studio"]
                for v in snap["venues"]  # type: ignore[attr-defined]
                if v["status"] == "joined"
            ),
            default=0.0,
        )
        low_venue = min(at_venue_now, default=0.0)
        self.say(
            f"{elapsed:5.0f}s  {(cur or 0) + 1}/{len(seq.sheet.items)} {title[:38]:38}  "
            f"venues {joined}/{len(self.procs)}  program {snap['program_fps_sent']} fps  "
            f"min at venue {low_venue}  min at studio {low_studio}  "
            f"loop lag p95 {snap['loop_lag_ms_p95']} ms"
        )

    def _report(self, compressed: Runsheet, duration: float) -> dict[str, Any]:
        assert self.engine is not None
        s = self.samples
        program_sent = _median(s.program_sent) or 0.0
        venues = []
        for vid, proc in self.procs.items():
            record = self.engine.venues[vid]
            joined = record.first_joined_mono is not None
            sent = _median(s.sent.get(vid, []))
            at_studio = _median(s.at_studio.get(vid, []))
            at_venue = _median(s.at_venue.get(vid, []))
            venues.append(
                {
                    "id": vid,
                    "joined": joined,
                    "join_s": round(self._joined_at[vid] - proc.first_spawned_mono, 3)
                    if vid in self._joined_at and proc.first_spawned_mono is not None
                    else None,
                    "video_fps_sent": sent,
                    "video_fps_at_studio": at_studio,
                    "video_ratio": round(at_studio / sent, 3) if at_studio and sent else None,
                    "program_fps_at_venue": at_venue,
                    "program_ratio": round(at_venue / program_sent, 3)
                    if at_venue and program_sent
                    else None,
                    "rtt_ms": _median(s.rtt.get(vid, [])),
                    "latency_ms": {
                        "p50": _median(s.latency_p50.get(vid, [])),
                        "p95": _median(s.latency_p95.get(vid, [])),
                    },
                    "reconnects": record.reconnects,
                    "bad_messages": record.bad_messages,
                }
            )
        view = self.engine.desk.sequencer.view(clock.now())
        items = [
            {
                "title": compressed.items[r.index].title,
                "source": str(compressed.items[r.index].source),
                "planned_s": round(r.planned_s, 3),
                "actual_s": round(r.ran_s, 3),
            }
            for r in view.rows
        ]
        report = {
            "duration_s": round(duration, 3),
            "program": str(self.options.program),
            "venue_video": str(self.options.venue_video),
            "program_fps_sent": program_sent,
            "venues": venues,
            "items": items,
            "incidents": [i.result() for i in self.options.incidents],
            "countdown": countdown_result(self.engine, self.sim),
        }
        return report


async def await_fire_reports(engine: StudioEngine, settle_s: float = 3.0) -> bool:
    """Until every venue of the armed countdown has reported its fire, or `settle_s` after zero
    (a venue that never reports must not hold a benchmark up); True if all reported."""
    fire_at = engine.countdown.fire_at
    assert fire_at is not None
    while time.monotonic() < fire_at + settle_s:
        await asyncio.sleep(0.1)
        if all(v.fired_true is not None for v in engine.countdown.venues.values()):
            return True
    return False


def countdown_result(engine: StudioEngine, sim: dict[str, SimDraw]) -> dict[str, Any] | None:
    """The last countdown as measured: true fire times against the studio's instant.

    `limit_ms` is what no two-way exchange can beat (−a/2 for a path whose forward delay exceeds
    its return by a); `excess_ms` is how far the venue landed from that limit.
    """
    cd = engine.countdown
    if cd.fire_at is None:
        return None
    venues: list[dict[str, Any]] = []
    fired: list[float] = []
    placed: list[float] = []  # error minus firing lateness: the clock estimate's share
    limits: list[float] = []
    for v in cd.venues.values():
        draw = sim.get(v.venue_id)
        limit = -draw.asymmetry_s / 2 if draw else 0.0
        error = v.fired_true - cd.fire_at if v.fired_true is not None else None
        bound = v.fire_bound_s
        # The bound is the clock estimate's, decided before zero; the firing thread's own
        # lateness is measured and reported beside it, so it is taken out before comparing.
        placed_error = error - (v.fired_late_s or 0.0) if error is not None else None
        onset = v.onset
        after = onset.onset_after_decision_s(v.fired_local) if onset and v.fired_local else None
        limits.append(limit * 1000)
        if error is not None:
            fired.append(error * 1000)
        venues.append(
            {
                "id": v.venue_id,
                "state": v.state.value if v.state else "no_answer",
                "error_ms": round(error * 1000, 3) if error is not None else None,
                "bound_ms": round(bound * 1000, 3) if bound is not None else None,
                "within_bound": abs(placed_error) <= bound
                if placed_error is not None and bound is not None
                else None,
                "limit_ms": round(limit * 1000, 3),
                "excess_ms": round(abs(error - limit) * 1000, 3) if error is not None else None,
                # The venue's own measure of how late its thread fired (part of error_ms).
                "late_ms": round(v.fired_late_s * 1000, 3) if v.fired_late_s is not None else None,
                "onset_method": onset.method.value if onset else None,
                # The predicted DAC onset of the siren against the decision, and on the host clock.
                "onset_after_decision_ms": round(after * 1000, 3) if after is not None else None,
                "onset_error_ms": round((error + after) * 1000, 3)
                if error is not None and after is not None
                else None,
                "screen_late_ms": round(onset.screen_late_s * 1000, 3)
                if onset and onset.screen_late_s is not None
                else None,
            }
        )
        if error is not None and v.fired_late_s is not None:
            placed.append((error - v.fired_late_s) * 1000)
    return {
        "arm_id": cd.arm_id,
        "fire_at": cd.fire_at,
        "aborted": cd.aborted,
        "fired": len(fired),
        "missed": sum(1 for v in venues if v["state"] in ("missed", "no_clock", "no_answer")),
        "spread_ms": round(max(fired) - min(fired), 3) if fired else None,
        "placement_spread_ms": round(max(placed) - min(placed), 3) if placed else None,
        "limit_spread_ms": round(max(limits) - min(limits), 3) if limits else None,
        "venues": venues,
    }


def summarize(report: dict[str, Any]) -> str:
    venues = report["venues"]
    joined = sum(1 for v in venues if v["joined"])
    joins = [v["join_s"] for v in venues if v["join_s"] is not None]
    vr = [v["video_ratio"] for v in venues if v["video_ratio"] is not None]
    pr = [v["program_ratio"] for v in venues if v["program_ratio"] is not None]
    lines = [
        f"{joined}/{len(venues)} venues joined; slowest join {max(joins, default=0):.2f} s",
        f"venue video at studio: lowest {min(vr, default=0):.0%} of the rate sent",
        f"program at venues: lowest {min(pr, default=0):.0%} of the rate sent "
        f"({report['program_fps_sent']} fps)",
    ]
    for inc in report["incidents"]:
        lines.append(f"incident {inc}")
    cd = report.get("countdown")
    if cd:
        within = sum(1 for v in cd["venues"] if v["within_bound"])
        lines.append(
            f"countdown: {cd['fired']} fired, spread {cd['spread_ms']} ms "
            f"(physical limit {cd['limit_spread_ms']} ms), {within} within their bound, "
            f"{cd['missed']} missed"
        )
    return "\n".join(lines)
