"""`ceremony bench sync --audible`: the siren as an audio server heard it, not as venues claim.

The benchmark starts its own PulseAudio (Debian's, as root, in user mode) with a null sink that
stands for the room; every venue process plays into it through PortAudio, as on a real PC, each
with a test siren in a frequency band of its own; `parecord` records the sink's monitor, and each
venue's onset is found in that one recording by cross-correlation (media.audiosignal). The
spread of those onsets is the audible spread, as the server mixed it.

Clock offsets come from the kernel: each venue process runs in its own time namespace
(`unshare --time --monotonic=N`, N up to a day), so it reads a truly different monotonic clock;
the in-process shim keeps only drift and network delay. Every trial starts fresh venue processes
with its own seed: new offsets, drifts and paths each time.

`--both-priorities` runs every trial twice with the same seed, the venues at real-time priority
and then at ordinary priority (as an ordinary user install runs), and reports each side apart.

`--calibrate` instead checks the hall calibration: a second sink reaches the room through a
fixed 40 ms delay line; the calibration must measure it and, once advanced by it, land on time.
Everything it started (the audio server, the recorder, the venues) is stopped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ceremony.runsheet import Runsheet
from launcher import fire_account
from launcher.demo import Demo, DemoOptions, SimOptions, countdown_result, fit_venues
from launcher.paths import Paths
from launcher.processes import stop_process
from media import runsheet_files
from media.audiosignal import find, venue_test_siren
from media.firing import TRACE_ENV
from media.netsim import NetKind
from media.studio import StudioEngine

RATE = 48_000
ROOM = "ceremony_room"  # the null sink every venue plays into
HALL = "ceremony_hall"  # calibration: a sink that reaches the room through a fixed delay line
LADSPA_DIR = "/usr/lib/ladspa"
LADSPA_PLUGIN = "cmt"  # Debian's cmt package
LADSPA_DELAY = "delay_1s"  # an echo delay line of up to 1 s
LADSPA_MAX_MS = 1000.0
DAY_S = 86_400
WARM_UP_S = 12.0  # each venue's estimator fits its drift over this window
SIREN_S = 0.5
MIN_SCORE = 8.0
CUT_BEFORE_S = 5.0
CUT_FOR_S = 10.0
CALIBRATION_LOOP_MS = 40.0
SERVER_START_S = 10.0
JOIN_TIMEOUT_S = 90.0
BUDGET_S = 540.0  # no new trial starts after 9 minutes: ten trials stay under ten


def _terminate(_sig: int, _frame: object) -> None:
    raise SystemExit(143)  # through the `finally`s: the server, recorder and venues are stopped


class BenchError(RuntimeError):
    pass


class StoppedError(Exception):
    """Ctrl-C or SIGTERM during a trial (the demo turns either into a clean end of the run)."""


class AudioServer:
    """A private PulseAudio with null sinks; the bench's own, stopped on the way out."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ceremony-pulse-"))
        self.root.chmod(0o700)
        self.proc: subprocess.Popen[bytes] | None = None
        self.env = {
            "XDG_RUNTIME_DIR": str(self.root),
            "PULSE_RUNTIME_PATH": str(self.root),
            "PULSE_SERVER": f"unix:{self.root}/native",
            "PULSE_SINK": ROOM,
        }

    def start(self) -> None:
        if shutil.which("pulseaudio") is None or shutil.which("parecord") is None:
            raise BenchError(
                "the audible bench needs PulseAudio: apt-get install pulseaudio pulseaudio-utils"
            )
        env = os.environ | self.env
        self.proc = subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--use-pid-file=no",
                f"--log-target=file:{self.root / 'pulse.log'}",
                f"--load=module-native-protocol-unix auth-anonymous=1 socket={self.root}/native",
                f"--load=module-null-sink sink_name={ROOM} rate={RATE} channels=1",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        until = time.monotonic() + SERVER_START_S
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                raise BenchError(f"pulseaudio exited at start; see {self.root / 'pulse.log'}")
            if self.pactl("info", check=False).returncode == 0:
                return
            time.sleep(0.1)  # polling a starting server: nothing to wait on instead
        raise BenchError("pulseaudio did not answer within 10 s")

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["pactl", *args], env=os.environ | self.env, capture_output=True, check=check
        )

    def add_delayed_hall(self, latency_ms: float) -> None:
        """A second sink whose sound reaches the room exactly `latency_ms` later (a slow PA system).

        A fixed delay line (CMT's LADSPA "delay_1s", fully wet) on a filter sink over the room:
        the delay is a whole number of samples by construction. The filter reports no latency of
        its own, so a stream playing into the hall is told the room's DAC times, as a computer is
        told nothing of an amplifier's delay. (module-loopback with latency_msec was tried first:
        its adaptive resampler adjusts the loop while it runs: measured here anywhere from 30.4 to
        40.2 ms, moving by up to 7 ms within 3.5 s, so the bench's "40 ms" was not 40 ms.)
        """
        if not Path(LADSPA_DIR, f"{LADSPA_PLUGIN}.so").exists():
            raise BenchError(
                "the calibration check's hall needs the CMT LADSPA plugins: apt-get install cmt"
            )
        self.pactl("load-module", "module-ladspa-sink", *delay_sink_args(HALL, ROOM, latency_ms))

    def record(self, path: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                # Ahead of the venues on a loaded machine: the recording is the measurement.
                "nice",
                "-n",
                "-10",
                "parecord",
                f"--device={ROOM}.monitor",
                f"--rate={RATE}",
                "--channels=1",
                "--format=s16le",
                "--raw",
                "--latency-msec=100",
                str(path),
            ],
            env=os.environ | self.env,
            stdin=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self.stop_server()
        shutil.rmtree(self.root, ignore_errors=True)

    def stop_server(self) -> None:
        """The server gone, as a crash or a crew's restart takes it (its clients' streams end);
        `start` brings it back at the same address."""
        stop_process(self.proc)
        self.proc = None


def delay_sink_args(name: str, master: str, latency_ms: float) -> list[str]:
    """module-ladspa-sink's arguments for a sink `name` heard in `master` `latency_ms` later."""
    if not 0.0 <= latency_ms < LADSPA_MAX_MS:
        raise BenchError(f"the delay line holds 0 to {LADSPA_MAX_MS:g} ms, not {latency_ms:g}")
    return [
        f"sink_name={name}",
        f"sink_master={master}",
        f"plugin={LADSPA_PLUGIN}",
        f"label={LADSPA_DELAY}",
        # The plugin's control ports in order: delay (s), dry/wet balance (1: only the echo).
        f"control={latency_ms / 1000:.6f},1",
    ]


def stop_recorder(rec: subprocess.Popen[bytes]) -> None:
    if rec.poll() is None:
        rec.send_signal(signal.SIGINT)  # parecord flushes what it has on SIGINT
        try:
            rec.wait(timeout=5)
        except subprocess.TimeoutExpired:
            rec.kill()
            rec.wait()


def child_pid(pid: int) -> int | None:
    """The process `unshare --fork` started (signals must go to it: unshare ignores SIGTERM)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def find_onsets(
    recording: np.ndarray, bands: dict[str, int]
) -> dict[str, tuple[float, float] | None]:
    """Each venue's siren onset (sample index in `recording`, score), None where not heard.

    One recording holds one trial (a few seconds), so all of it is searched: where zero falls
    in it is only known to the recorder's start-up time, a second or two on a loaded machine.
    """
    samples = recording.astype(np.float64) / 32768.0
    out: dict[str, tuple[float, float] | None] = {}
    for vid, band in bands.items():
        found = find(samples, venue_test_siren(band, RATE))
        out[vid] = (found.index, found.score) if found and found.score >= MIN_SCORE else None
    return out


class AudibleDemo(Demo):
    """The demo's studio and venues, each venue in its own time namespace with its own siren."""

    def __init__(
        self,
        sheet: Runsheet,
        options: DemoOptions,
        stream: TextIO,
        ns_offsets: dict[str, int],
        venue_args: dict[str, list[str]],
    ) -> None:
        super().__init__(sheet, options, stream)
        self.ns_offsets = ns_offsets
        self.venue_args = venue_args
        self.bands: dict[str, int] = {}

    def trace_path(self, vid: str) -> Path:
        """Where venue `vid`'s firing thread writes its account of each fire."""
        return self.options.out / "fire-traces" / f"{vid}.jsonl"

    def prepare(self) -> StudioEngine:
        engine = super().prepare()
        for band, (vid, proc) in enumerate(self.procs.items()):
            offset = self.ns_offsets.get(vid, 0)
            self.bands[vid] = band
            self.trace_path(vid).parent.mkdir(parents=True, exist_ok=True)
            proc.wrapper = [
                "env",  # replaced by what it runs: the process id stays the wrapper's
                f"{TRACE_ENV}={self.trace_path(vid)}",
                *(
                    ["unshare", "--fork", "--time", f"--monotonic={offset}", "--kill-child=SIGTERM"]
                    if offset
                    else []
                ),
            ]
            proc.extra_args += [
                "--sim-ns-offset",
                str(offset),
                "--sim-siren-band",
                str(band),
                *self.venue_args.get(vid, []),
            ]
        return engine

    def venue_pid(self, vid: str) -> int | None:
        proc = self.procs[vid].proc
        if proc is None or proc.poll() is not None:
            return None
        return child_pid(proc.pid) if self.ns_offsets.get(vid) else proc.pid

    def stop_venues(self) -> None:
        for vid in self.procs:
            pid = self.venue_pid(vid)
            if pid is not None and self.ns_offsets.get(vid):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
        super().stop_venues()


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max": round(ordered[-1], 3),
    }


def _trial(
    args: argparse.Namespace, n: int, server: AudioServer, progress: TextIO, realtime: bool
) -> dict[str, Any]:
    seed = args.seed + n
    rng = random.Random(seed)
    sheet = runsheet_files.load(Paths.default().sample_runsheet())
    # Offsets from the kernel (time namespaces), drift and paths from the shim.
    sim = SimOptions(
        net=NetKind(args.net),
        clock_offset_max_s=0.0,
        drift_ppm=args.drift_ppm,
        asymmetry_ms=args.asymmetry_ms,
        seed=seed,
    )
    out = args.out / (
        f"trial-{n + 1:02d}"
        + ("" if not args.both_priorities else "-rt" if realtime else "-ordinary")
    )
    options = DemoOptions(
        venues=args.venues,
        duration_s=60,
        out=out,
        sim=sim,
        venue_media=args.media,
        # Eleven interpreters starting on two loaded cores took 25-30 s here: a venue that joins
        # after the arm is a missed fire that says nothing about firing.
        join_timeout_s=JOIN_TIMEOUT_S,
    )
    ids = [v.id for v in fit_venues(sheet, args.venues).venues]
    # Time namespaces take whole seconds, from 1 up to a day here.
    ns = {vid: rng.randint(1, max(1, min(DAY_S, int(args.ns_offset_max)))) for vid in ids}
    cut_vid = ids[0] if args.cut_link else None
    venue_args = {
        vid: ([] if realtime else ["--no-realtime"])
        + (["--sim-cut-s", str(CUT_FOR_S)] if vid == cut_vid else [])
        for vid in ids
    }
    demo = AudibleDemo(sheet, options, progress, ns, venue_args)
    raw_path = out / "room.raw"
    measured: dict[str, Any] = {}

    async def body(engine: StudioEngine, _sheet: Runsheet) -> dict[str, Any]:
        await asyncio.sleep(WARM_UP_S)
        out.mkdir(parents=True, exist_ok=True)
        rec = server.record(raw_path)
        try:
            engine.arm_countdown(args.lead, list(engine.venues), title=f"audible trial {n + 1}")
            fire_at = engine.countdown.fire_at
            assert fire_at is not None
            cut_at = fire_at - CUT_BEFORE_S if cut_vid else None
            wait_until = fire_at + (CUT_FOR_S + 8.0 if cut_vid else 3.0)
            report_at: float | None = None
            while time.monotonic() < wait_until:
                await asyncio.sleep(0.05)
                if cut_at is not None and time.monotonic() >= cut_at and cut_vid:
                    pid = demo.venue_pid(cut_vid)
                    if pid is not None:
                        os.kill(pid, signal.SIGUSR1)
                    demo.say(f"! link to {cut_vid} cut for {CUT_FOR_S:g} s, 5 s before zero")
                    cut_at = None
                views = engine.countdown.venues.values()
                if (
                    cut_vid
                    and report_at is None
                    and engine.countdown.venues[cut_vid].fired_true is not None
                ):
                    report_at = time.monotonic()
                if all(v.fired_true is not None for v in views) and time.monotonic() > (
                    fire_at + SIREN_S + 1.0
                ):
                    break
        finally:
            stop_recorder(rec)
        result = countdown_result(engine, demo.sim)
        assert result is not None
        measured["result"] = result
        measured["fire_at"] = fire_at
        measured["report_after_zero_s"] = (
            round(report_at - fire_at, 3) if report_at is not None else None
        )
        return {}

    report = asyncio.run(demo.run(body))
    if report.get("interrupted") or "result" not in measured:
        raise StoppedError
    result: dict[str, Any] = measured["result"]
    recording = np.fromfile(raw_path, dtype="<i2") if raw_path.exists() else np.zeros(0, np.int16)
    onsets = find_onsets(recording, demo.bands)
    heard = {vid: o[0] for vid, o in onsets.items() if o is not None}
    ref = statistics.median(heard.values()) if heard else 0.0
    predicted = {
        v["id"]: v["onset_error_ms"] for v in result["venues"] if v["onset_error_ms"] is not None
    }
    pred_ref = statistics.median(predicted.values()) if predicted else 0.0
    for v in result["venues"]:
        vid = v["id"]
        v["ns_offset_s"] = ns[vid]
        v["band"] = demo.bands[vid]
        v["audible_ms"] = round((heard[vid] - ref) / RATE * 1000, 3) if vid in heard else None
        v["audible_score"] = round(onsets[vid][1], 1) if onsets[vid] else None  # type: ignore[index]
        v["predicted_ms"] = round(predicted[vid] - pred_ref, 3) if vid in predicted else None
    audible = [(h - ref) / RATE * 1000 for h in heard.values()]
    traces = {
        vid: trace
        for vid in demo.bands
        if (trace := fire_account.read_traces(demo.trace_path(vid)).get(result["arm_id"]))
    }
    fire_account.venue_rows(result["venues"], traces)
    result["lateness"] = fire_account.trial_split(result["venues"])
    result.update(
        {
            "trial": n + 1,
            "seed": seed,
            "realtime": realtime,
            "audible_spread_ms": round(max(audible) - min(audible), 3) if audible else None,
            "heard": len(heard),
            "cut_venue": cut_vid,
            "cut_report_after_zero_s": measured["report_after_zero_s"],
            # Eleven venues on two shared cores: every figure needs the machine's load beside it.
            "load_avg": [round(x, 2) for x in os.getloadavg()],
        }
    )
    if not args.keep_recordings:
        raw_path.unlink(missing_ok=True)
    return result


def calibrate(server: AudioServer) -> dict[str, Any]:
    """Measure the direct path and a hall 40 ms behind it, then check the compensation."""
    server.add_delayed_hall(CALIBRATION_LOOP_MS)
    out: dict[str, Any] = {"added_ms": CALIBRATION_LOOP_MS}
    for name, sink in (("direct", ROOM), ("delayed_hall", HALL)):
        # A fresh process per path: PortAudio must initialise after the server runs, and the
        # sink is chosen through the environment the ALSA plugin reads.
        proc = subprocess.run(
            [sys.executable, "-m", "launcher.cli", "calibrate", "--verify", "--json"],
            env=os.environ | server.env | {"PULSE_SINK": sink, "PULSE_SOURCE": f"{ROOM}.monitor"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            raise BenchError(f"calibration on {sink} failed: {proc.stderr.strip()[-500:]}")
        out[name] = json.loads(proc.stdout)
    direct = out["direct"]["latency_ms"]
    delayed = out["delayed_hall"]["latency_ms"]
    out["measured_added_ms"] = round(delayed - direct, 3)
    out["error_ms"] = round(delayed - direct - CALIBRATION_LOOP_MS, 3)
    out["compensated_residual_ms"] = out["delayed_hall"]["residual_ms"]
    return out


def _summary(trials: list[dict[str, Any]]) -> dict[str, Any]:
    venues = [v for t in trials for v in t["venues"]]
    return {
        "audible_spread_ms": _percentiles(
            [t["audible_spread_ms"] for t in trials if t["audible_spread_ms"] is not None]
        ),
        "decision_spread_ms": _percentiles(
            [t["spread_ms"] for t in trials if t["spread_ms"] is not None]
        ),
        # The decision spread less each thread's own lateness: the clock estimate's share.
        "placement_spread_ms": _percentiles(
            [t["placement_spread_ms"] for t in trials if t["placement_spread_ms"] is not None]
        ),
        # Each venue's firing thread against its own deadline (its clock), and where the clock
        # estimate put that deadline (error less lateness): the two parts of every fire's error.
        "late_ms": _percentiles([v["late_ms"] for v in venues if v["late_ms"] is not None]),
        "placement_error_ms": _percentiles(
            [abs(v["placement_ms"]) for v in venues if v.get("placement_ms") is not None]
        ),
        "lateness_share_ms": _percentiles(
            [
                t["lateness"]["lateness_share_ms"]
                for t in trials
                if t.get("lateness", {}).get("lateness_share_ms") is not None
            ]
        ),
        "late_fires": sum(1 for v in venues if (v["late_ms"] or 0.0) > fire_account.LATE_MS),
        "late_causes": fire_account.causes(venues),
        "onset_methods": sorted({v["onset_method"] for v in venues if v["onset_method"]}),
        "not_heard": sum(1 for v in venues if v["audible_ms"] is None),
        "bound_violations": sum(1 for v in venues if v["within_bound"] is False),
        "missed": sum(t["missed"] for t in trials),
        "fires": sum(t["fired"] for t in trials),
        "cut_report_after_zero_s": [t["cut_report_after_zero_s"] for t in trials if t["cut_venue"]],
    }


def main(args: argparse.Namespace) -> int:
    progress = sys.stderr if args.json else sys.stdout
    if os.geteuid() != 0:
        print(
            "the audible bench runs venues in time namespaces (unshare --time): run it as root",
            file=sys.stderr,
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    previous = signal.signal(signal.SIGTERM, _terminate)
    server = AudioServer()
    started = time.monotonic()
    trials: list[dict[str, Any]] = []
    calibration: dict[str, Any] | None = None
    try:
        server.start()
        # Venue processes inherit this: PortAudio reaches the server as ALSA "default".
        os.environ.update(server.env)
        if args.calibrate:
            calibration = calibrate(server)
        # --both-priorities: each trial twice with the same seed (the same clock offsets, drifts
        # and paths), venues at real-time priority and then at ordinary priority, side by side.
        priorities = [True, False] if args.both_priorities else [not args.no_realtime]
        runs = [(n, rt) for n in range(0 if args.calibrate else args.trials) for rt in priorities]
        for n, realtime in runs:
            if time.monotonic() - started > BUDGET_S * len(priorities):
                print(f"time budget spent: stopping before trial {n + 1}", file=progress)
                break
            try:
                result = _trial(args, n, server, progress, realtime)
            except StoppedError:
                print(f"stopped during trial {n + 1}: no more trials", file=progress)
                break
            trials.append(result)
            print(
                f"trial {n + 1}/{args.trials}"
                + ("" if realtime else " (ordinary priority)")
                + f": audible spread {result['audible_spread_ms']} ms "
                f"({result['heard']} heard), decision spread {result['spread_ms']} ms "
                f"(placement {result['lateness']['placement_spread_ms']} ms, latest thread "
                f"{result['lateness']['late_max_ms']} ms late), "
                f"fired {result['fired']}, missed {result['missed']}, load {result['load_avg'][0]}"
                + (
                    f", cut venue's report {result['cut_report_after_zero_s']} s after zero"
                    if result["cut_venue"]
                    else ""
                ),
                file=progress,
                flush=True,
            )
    except BenchError as exc:
        print(f"bench sync --audible: {exc}", file=sys.stderr)
        return 1
    finally:
        server.stop()
        for key in server.env:
            os.environ.pop(key, None)
        signal.signal(signal.SIGTERM, previous)
    if args.both_priorities:
        summary: dict[str, Any] = {
            "realtime": _summary([t for t in trials if t["realtime"]]),
            "ordinary": _summary([t for t in trials if not t["realtime"]]),
        }
    else:
        summary = _summary(trials)
    result = {
        "bench": "sync-audible",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg": [round(x, 2) for x in os.getloadavg()],
        },
        "venues": args.venues,
        "net": args.net,
        "ns_offset_max_s": args.ns_offset_max,
        "drift_ppm": args.drift_ppm,
        "realtime": "both" if args.both_priorities else not args.no_realtime,
        "cut_link": args.cut_link,
        "lead_s": args.lead,
        "wall_s": round(time.monotonic() - started, 1),
        "calibration": calibration,
        "summary": summary,
        "trials": trials,
    }
    (args.out / "sync-audible.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    short = {"calibration": calibration} if args.calibrate else {"summary": summary}
    print(json.dumps(result if args.json else short, indent=2))
    return 0
