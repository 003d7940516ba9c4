"""`ceremony bench scale --venues 11,50,100 --sfu janus --json`: the program through Janus to
many venues, and what it costs the studio and Janus.

One run, steps of growing size: a real Janus in a network namespace (launcher/janus_lab.py), the
studio engine in this process publishing the program to it, and light venues
(launcher/light_venue.py: real venue links, ten to a process, counting the program's frames
without decoding) added step by step. Two more venues decode the program and read its latency
code. At each step: the studio's CPU, Janus's CPU, the program's rate at every venue (a venue
that gets nothing counts 0), the join times, the program's latency, and one countdown's spread.

With more than one step, the first step is measured again at the end (the venues added after
it leave): the studio's ratio is also given over the mean of the first step's two windows, so a
machine that slowed down or sped up during the run weighs less on it (`--no-return` skips it).

`--cascade` runs a second Janus; the studio carries the program to it (VideoRoom remote
publishers) and splits the venues across both; the latency on each is reported.
`--sfu none` runs the same steps with the studio sending to every venue itself.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launcher.demo import (
    LOOPBACK,
    VENUE_NICE,
    SimOptions,
    await_fire_reports,
    countdown_result,
    free_port,
)
from launcher.fixed_work import FixedWorkProbe
from launcher.light_venue import LightGroupSpec, LightVenueSpec
from media.firing import TRACE_ENV

SPAWN_STAGGER_S = 0.5  # ten-venue processes importing aiortc at once would starve 2 cores
DECODING_VENUES = 2
COUNTDOWN_GAP_S = 3.0  # between a step's countdowns: the probes' armed rate ends at zero
LEAVE_TIMEOUT_S = 30.0  # for the studio to see the venues that left as gone
NETNS_PREFIX = "sc"  # this bench's namespaces and veths: sc-janus-…, scj… (--netns-prefix)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--venues", default="11,50,100", help="step sizes, e.g. 11,50,100")
    p.add_argument("--sfu", choices=["janus", "none"], default="janus")
    p.add_argument("--cascade", action="store_true", help="a second Janus fed by the first")
    p.add_argument("--program", default="1280x720@30", help="WxH@FPS of the program")
    p.add_argument("--bitrate", type=int, default=2_500_000)
    p.add_argument("--clip", default="160x96@10", help="the light venues' camera clip, or none")
    p.add_argument("--per-process", type=int, default=10, help="light venues per process")
    p.add_argument("--measure", type=float, default=15.0, help="seconds measured per step")
    # Venues probe the clock at 2 Hz for up to 15 s after joining, then slowly: measure after.
    p.add_argument("--settle", type=float, default=16.0, help="seconds after joins, per step")
    p.add_argument("--join-timeout", type=float, default=60.0)
    p.add_argument(
        "--no-return",
        action="store_true",
        help="do not measure the first step again at the end (the venues added after it leave)",
    )
    p.add_argument("--lead", type=float, default=5.0, help="countdown lead, seconds")
    p.add_argument("--countdowns", type=int, default=1, help="countdowns per step")
    p.add_argument(
        "--clock-trace",
        action="store_true",
        help="light venues write their clock samples to OUT/groups/VENUE.clock (clock_trace)",
    )
    p.add_argument(
        "--realtime-light",
        action="store_true",
        help="with --thread-per-venue, light venues fire at real-time priority too (ten FIFO"
        " spinners in one interpreter wait on each other's lock: several ms late)",
    )
    p.add_argument(
        "--thread-per-venue",
        action="store_true",
        help="each light venue fires from a thread of its own (default: one firing thread per"
        " process takes its venues' deadlines in order)",
    )
    p.add_argument(
        "--no-yield",
        action="store_true",
        help="light venues keep normal priority after joining (default: nice 5, as the demo's)",
    )
    p.add_argument(
        "--netns-prefix",
        default=NETNS_PREFIX,
        help="names of this run's Janus namespace and veth pair (apart from other benches')",
    )
    p.add_argument("--out", type=Path, default=Path("bench-out/scale"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=main)


def _ticks() -> float:
    return float(os.sysconf("SC_CLK_TCK"))


def _stat_cpu_s(stat: str) -> float:
    """User + system CPU seconds from a /proc stat line (a process's or a thread's)."""
    fields = stat.rsplit(")", 1)[1].split()  # the name, in parentheses, may hold spaces
    return (int(fields[11]) + int(fields[12])) / _ticks()


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process we started (0 once it is gone)."""
    try:
        return _stat_cpu_s(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return 0.0


def steal_s(stat: Path = Path("/proc/stat")) -> float | None:
    """Seconds of CPU the hypervisor ran something else while this machine wanted it, summed
    over the CPUs since boot (None where /proc/stat does not say)."""
    try:
        fields = stat.read_text().split("\n", 1)[0].split()
        return int(fields[8]) / _ticks()
    except (OSError, IndexError, ValueError):
        return None


def threads_cpu_s(task_dir: Path = Path("/proc/self/task")) -> dict[str, float]:
    """CPU seconds of this process's threads, by Python thread name (a pool's numbered
    workers together); threads Python did not start go by their kernel name."""
    names = {
        t.native_id: re.sub(r"_\d+$", "", t.name)
        for t in threading.enumerate()
        if t.native_id is not None
    }
    out: dict[str, float] = {}
    try:
        tasks = [int(t) for t in os.listdir(task_dir)]
    except OSError:
        return out
    for tid in tasks:
        try:
            stat = (task_dir / str(tid) / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name = names.get(tid) or "native " + stat.split("(", 1)[1].rsplit(")", 1)[0]
        out[name] = out.get(name, 0.0) + _stat_cpu_s(stat)
    return out


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


@dataclass
class Group:
    spec_path: Path
    spec: LightGroupSpec
    proc: subprocess.Popen[bytes] | None = None
    trace_offset: int = 0  # what of the group's fire trace earlier countdowns have read

    def passes(self) -> list[dict[str, Any]]:
        """The group's firing passes (media.firing.FireGroup's trace) since the last call."""
        if self.spec.fire_trace is None:
            return []
        try:
            with open(self.spec.fire_trace, "rb") as f:
                f.seek(self.trace_offset)
                data = f.read()
        except OSError:
            return []
        cut = data.rfind(b"\n") + 1
        self.trace_offset += cut
        out = []
        for line in data[:cut].splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out

    def spawn(self, log_path: Path, env: dict[str, str] | None = None) -> None:
        with log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "launcher.light_venue", str(self.spec_path)],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )

    def times(self) -> dict[str, dict[str, float]]:
        """When each venue link started and got its first program frame, as the group wrote
        it (empty until it has)."""
        try:
            text = Path(self.spec.out + ".times").read_text(encoding="utf-8")
            data: dict[str, dict[str, float]] = json.loads(text)
        except (OSError, ValueError):
            return {}
        return data

    def counters(self) -> list[dict[str, Any]]:
        try:
            data: list[dict[str, Any]] = json.loads(Path(self.spec.out).read_text("utf-8"))
        except (OSError, ValueError):
            return []
        return data


@dataclass
class LatencyLog:
    """A decoding venue's per-frame latency file; each step reads what was added during it."""

    path: Path
    offset: int = 0

    def skip(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def read(self) -> list[float]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
        cut = data.rfind(b"\n") + 1
        self.offset += cut
        return [float(x) for x in data[:cut].split()]


@dataclass
class Scale:
    args: argparse.Namespace
    say: Any
    groups: list[Group] = field(default_factory=list)
    latency: dict[str, LatencyLog] = field(default_factory=dict)
    joined_at: dict[str, float] = field(default_factory=dict)
    losses: int = 0  # venues the studio marked lost (heartbeats missed): a starved machine
    draws: dict[str, Any] = field(default_factory=dict)
    invites: dict[str, Path] = field(default_factory=dict)
    ice: list[str] = field(default_factory=list)
    # The same work timed beside the studio: how much the machine's load inflated CPU figures.
    fixed_work: FixedWorkProbe = field(default_factory=FixedWorkProbe)

    async def run(self) -> dict[str, Any]:
        from launcher.demo import fit_venues
        from launcher.janus_lab import JanusLab
        from launcher.paths import Paths
        from media import runsheet_files
        from media.ice import enlarge_socket_buffers, pin_host_addresses
        from media.identity import ensure_identity
        from media.loop import quiet_teardown_errors
        from media.private_files import make_private_dir, write_private
        from media.program import VideoFormat
        from media.sfu.program import SfuConfig
        from media.signaling_limits import SignalingLimits
        from media.studio import StudioConfig, StudioEngine

        quiet_teardown_errors(asyncio.get_running_loop())
        args = self.args
        steps = sorted({int(x) for x in str(args.venues).split(",") if x.strip()})
        total = steps[-1] + DECODING_VENUES
        out: Path = args.out
        out.mkdir(parents=True, exist_ok=True)
        make_private_dir(out / "invites")
        make_private_dir(out / "groups")
        sheet = fit_venues(runsheet_files.load(Paths.default().sample_runsheet()), total).scaled(
            3600
        )
        labs: list[JanusLab] = []
        if args.sfu == "janus":
            labs.append(JanusLab(index=7, prefix=args.netns_prefix).start())
            if args.cascade:
                labs.append(labs[0].second_instance())
        try:
            ice = [LOOPBACK] + [lab.host_address for lab in labs[:1]]
            pin_host_addresses(ice)
            enlarge_socket_buffers()
            port = free_port()
            identity = ensure_identity(out / "studio", [LOOPBACK])
            sfu = (
                SfuConfig.parse(
                    f"janus://{labs[0].janus_address}:{labs[0].http_port}/1001",
                    cascade=[f"janus://{lab.janus_address}:{lab.http_port}" for lab in labs[1:]],
                )
                if labs
                else None
            )
            config = StudioConfig(
                host=LOOPBACK,
                port=port,
                program=VideoFormat.parse(args.program),
                program_bitrate=args.bitrate,
                sfu=sfu,
                # Light venues publish nothing to the SFU (no encoder for a small copy, no
                # microphone): their clip comes on their own connection, as without --sfu.
                # `ceremony bench feeds` measures venues' feeds through Janus.
                sfu_feeds=False,
                # Every light venue comes from 127.0.0.1; on the day each site has its own
                # address, and the per-address caps are for one site's handful of PCs.
                signaling=SignalingLimits(
                    max_pending=total + 128, max_pending_per_address=total + 16
                ),
            )
            journal = out / "journal.jsonl"
            journal.unlink(missing_ok=True)
            engine = StudioEngine(sheet, identity, config, journal)
            engine.subscribe(self._on_event)
            await engine.start()
            if sfu is not None and engine.sfu is None:
                problems = engine.device_problems
                raise RuntimeError(f"the studio could not publish to Janus: {problems}")
            ids = [v.id for v in sheet.venues]
            draws = SimOptions().draw(ids)
            invites: dict[str, Path] = {}
            for vid in ids:
                invite = identity.invite(sheet, vid, [f"{LOOPBACK}:{port}"], time.time() + 86400)
                invites[vid] = out / "invites" / f"{vid}.invite.txt"
                write_private(invites[vid], (invite.to_string() + "\n").encode())
            try:
                self.draws, self.invites, self.ice = draws, invites, ice
                self.fixed_work.start()
                return await self._steps(engine, labs, steps, ids)
            finally:
                self.fixed_work.stop()
                await _end_groups(self.groups)
                await engine.stop("ended")
        finally:
            pin_host_addresses(None)
            for lab in reversed(labs):
                lab.close()

    def _on_event(self, event: object) -> None:
        from media.studio import VenueStatus, VenueStatusChanged

        if isinstance(event, VenueStatusChanged) and event.status is VenueStatus.JOINED:
            self.joined_at.setdefault(event.venue_id, time.monotonic())
        elif isinstance(event, VenueStatusChanged) and event.status is VenueStatus.LOST:
            self.losses += 1

    def _spawn(
        self,
        vids: list[str],
        draws: dict[str, Any],
        invites: dict[str, Path],
        ice: list[str],
        *,
        decode: bool,
    ) -> list[Group]:
        args = self.args
        new = []
        for start in range(0, len(vids), args.per_process):
            chunk = vids[start : start + args.per_process]
            n = len(self.groups)
            specs = []
            for vid in chunk:
                d = draws[vid]
                log = None
                if decode:
                    log = args.out / "groups" / f"{vid}.latency"
                    log.unlink(missing_ok=True)
                    self.latency[vid] = LatencyLog(log)
                specs.append(
                    LightVenueSpec(
                        invite=str(invites[vid]),
                        clock_offset_s=d.offset_s,
                        drift_ppm=d.drift_ppm,
                        net=d.net.value,
                        rtt_s=d.rtt_s,
                        asymmetry_s=d.asymmetry_s,
                        seed=d.seed,
                        latency_log=str(log) if log else None,
                    )
                )
            spec = LightGroupSpec(
                venues=specs,
                ice_addresses=ice,
                out=str(args.out / "groups" / f"group-{n}.json"),
                clip=None if args.clip == "none" else args.clip,
                decode=decode,
                # A decoding venue is alone in its process, as on the day: real-time priority.
                # So is a light group's one firing thread: with no other firing thread in its
                # interpreter there is no lock for a real-time thread to wait on.
                realtime=decode or args.realtime_light or not args.thread_per_venue,
                shared_firing=not args.thread_per_venue,
                # (a decoding venue's own firing thread writes the same account: TRACE_ENV)
                fire_trace=str(args.out / "groups" / f"group-{n}.trace")
                if decode or not args.thread_per_venue
                else None,
            )
            if spec.fire_trace:
                Path(spec.fire_trace).unlink(missing_ok=True)
            path = args.out / "groups" / f"group-{n}.spec.json"
            spec.dump(path)
            group = Group(path, spec)
            env = dict(os.environ)
            if decode and spec.fire_trace:
                env[TRACE_ENV] = spec.fire_trace
            if args.clock_trace:
                from media.clock_trace import CLOCK_TRACE_ENV

                env[CLOCK_TRACE_ENV] = str(args.out / "groups" / "{venue}.clock")
            group.spawn(args.out / "groups" / f"group-{n}.log", env)
            self.groups.append(group)
            new.append(group)
        return new

    async def _steps(
        self,
        engine: Any,
        labs: list[Any],
        steps: list[int],
        ids: list[str],
    ) -> dict[str, Any]:
        args = self.args
        draws, invites, ice = self.draws, self.invites, self.ice
        janus_pids = [lab.pid for lab in labs]
        results = []
        # Janus with the program published and no venue: the base its per-venue cost is over.
        base_janus = await self._cpu_window(janus_pids, 5.0)
        decoding = ids[:DECODING_VENUES]
        for vid in decoding:  # one at a time: a cascade gives them one instance each
            self._spawn([vid], draws, invites, ice, decode=True)
            await self._wait_joined([vid], args.join_timeout)
        light_ids = ids[DECODING_VENUES:]
        have = 0
        kept = 0  # processes kept to the end: the decoding venues' and the first step's
        for step in steps:
            adding = light_ids[have:step]
            have = step
            for group_ids in _chunks(adding, args.per_process):
                self._spawn(group_ids, draws, invites, ice, decode=False)
                await asyncio.sleep(SPAWN_STAGGER_S)
            wanted = decoding + light_ids[:step]
            joined = await self._wait_joined(wanted, args.join_timeout)
            self.say(f"step {step}: {joined}/{len(wanted)} venues joined; settling")
            if not args.no_yield:
                self._yield_cpu()
            await asyncio.sleep(args.settle)
            results.append(await self._measure(engine, janus_pids, base_janus, step, wanted))
            countdowns = []
            for n in range(max(1, args.countdowns)):
                if n:
                    await asyncio.sleep(COUNTDOWN_GAP_S)
                countdowns.append(await self._countdown(engine, wanted, draws))
            results[-1]["countdown"] = countdowns[0]
            if len(countdowns) > 1:
                results[-1]["countdowns"] = countdowns
                results[-1]["spread_ms_each"] = [c["spread_ms"] if c else None for c in countdowns]
            self.say(json.dumps({k: v for k, v in results[-1].items() if k != "venues"}))
            if step == steps[0]:
                kept = len(self.groups)
        body: dict[str, Any] = {"steps": results, "janus_idle_cpu_cores": base_janus}
        if len(steps) > 1 and not args.no_return:
            wanted = decoding + light_ids[: steps[0]]
            try:
                body["first_step_again"] = await self._return_to_first(
                    engine, janus_pids, base_janus, steps[0], wanted, keep_groups=kept
                )
            except Exception as exc:  # the steps measured so far are kept and reported
                self.say(f"back to step {steps[0]}: not measured ({exc!r})")
                body["first_step_again_error"] = repr(exc)
        return body

    async def _return_to_first(
        self,
        engine: Any,
        janus_pids: list[int],
        base_janus: float,
        step: int,
        wanted: list[str],
        *,
        keep_groups: int,
    ) -> dict[str, Any]:
        """The venues added after the first step leave (their processes end as on a crew's
        quit), the studio sees them gone, and the first step is measured again."""
        leaving = [g for g in self.groups[keep_groups:] if g.proc and g.proc.poll() is None]
        gone0 = self.losses
        await _end_groups(leaving)
        expected = sum(len(g.spec.venues) for g in leaving)
        deadline = time.monotonic() + LEAVE_TIMEOUT_S
        while self.losses - gone0 < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        self.say(
            f"back to step {step}: {self.losses - gone0}/{expected} venues seen gone; settling"
        )
        await asyncio.sleep(self.args.settle)
        result = await self._measure(engine, janus_pids, base_janus, step, wanted)
        result["venues_seen_gone"] = self.losses - gone0
        self.say(json.dumps(result))
        return result

    def _yield_cpu(self) -> None:
        """Once joined, the light venues yield to the studio and Janus (as the demo's venues
        do): on the day each venue has its own computer, and what is measured here is the
        studio's and Janus's cost. Not before joining, or the join times would say nothing.
        The decoding venues keep their priority: their decoder's delay is in the latency."""
        for group in self.groups:
            if group.proc and group.proc.poll() is None and not group.spec.decode:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, group.proc.pid, VENUE_NICE)

    async def _wait_joined(self, vids: list[str], timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(v in self.joined_at for v in vids):
            await asyncio.sleep(0.2)
        return sum(1 for v in vids if v in self.joined_at)

    async def _cpu_window(self, pids: list[int], seconds: float) -> float:
        before = sum(process_cpu_s(p) for p in pids)
        t0 = time.monotonic()
        await asyncio.sleep(seconds)
        return round((sum(process_cpu_s(p) for p in pids) - before) / (time.monotonic() - t0), 3)

    async def _measure(
        self, engine: Any, janus_pids: list[int], base_janus: float, step: int, wanted: list[str]
    ) -> dict[str, Any]:
        args = self.args
        group_pids = [g.proc.pid for g in self.groups if g.proc and g.proc.poll() is None]
        for log in self.latency.values():
            log.skip()
        messages0 = _message_counts(engine)
        self.fixed_work.take()  # from here on
        gc_time = _GcTime()
        threads0 = threads_cpu_s()
        studio0, janus0 = own_cpu_s(), sum(process_cpu_s(p) for p in janus_pids)
        steal0 = steal_s()
        groups0 = sum(process_cpu_s(p) for p in group_pids)
        t0 = time.monotonic()
        losses0 = self.losses
        lags: list[float] = []
        fps: dict[str, list[float]] = {vid: [] for vid in wanted}
        sent: list[float] = []
        snapshot_cpu: list[float] = []
        while time.monotonic() - t0 < args.measure:
            await asyncio.sleep(1.0)
            took = time.thread_time()
            snap = engine.snapshot()
            snapshot_cpu.append(time.thread_time() - took)
            sent.append(float(snap["program_fps_sent"]))
            if snap["loop_lag_ms_p95"] is not None:
                lags.append(float(snap["loop_lag_ms_p95"]))
            for v in snap["venues"]:
                if v["id"] in fps:
                    fps[v["id"]].append(
                        v["program_fps_at_venue"] if v["status"] == "joined" else 0.0
                    )
        wall = time.monotonic() - t0
        studio = (own_cpu_s() - studio0) / wall
        by_thread = {
            name: round((cpu - threads0.get(name, 0.0)) / wall, 4)
            for name, cpu in threads_cpu_s().items()
            if cpu - threads0.get(name, 0.0) > 0
        }
        steal1 = steal_s()
        gc_time.stop()
        fixed_ms = FixedWorkProbe.median_ms(self.fixed_work.take())
        messages = _message_counts(engine)
        messages.subtract(messages0)
        janus = (sum(process_cpu_s(p) for p in janus_pids) - janus0) / wall
        groups = (sum(process_cpu_s(p) for p in group_pids) - groups0) / wall
        medians = {vid: statistics.median(v) if v else 0.0 for vid, v in fps.items()}
        lat_by_instance: dict[str, list[float]] = {}
        lat_all: list[float] = []
        for vid, log in self.latency.items():
            values = log.read()
            lat_all += values
            instance = engine.sfu.instance_of(vid) if engine.sfu is not None else "direct"
            lat_by_instance.setdefault(instance, []).extend(values)
        times = {vid: t for g in self.groups for vid, t in g.times().items()}
        joins = [
            self.joined_at[v] - times[v]["started"]
            for v in wanted
            if v in self.joined_at and v in times
        ]
        pictures = [
            times[v]["program"] - times[v]["started"]
            for v in wanted
            if "program" in times.get(v, {})
        ]
        load = os.getloadavg()
        extra: dict[str, float | None] = {}
        if len(lat_by_instance) == 2:  # a cascade: what the second instance adds
            (_, first), (_, second) = lat_by_instance.items()
            for name, q in (("p50", 0.5), ("p95", 0.95)):
                a, b = percentile(first, q), percentile(second, q)
                extra[name] = round(b - a, 2) if a is not None and b is not None else None
        return {
            "venues": step,
            "venues_joined": sum(1 for v in wanted if v in self.joined_at),
            "program": args.program,
            "program_fps_sent": round(statistics.median(sent), 2) if sent else None,
            "program_fps_sent_lowest_second": min(sent, default=None),
            "studio_loop_lag_ms_p95_worst": max(lags, default=None),
            "venues_lost_while_measuring": self.losses - losses0,
            "studio_cpu_cores": round(studio, 3),
            # Where it went: the event loop (MainThread), the program's encoder, the rest.
            "studio_cpu_by_thread": by_thread,
            # The studio's picture of every venue, as the bench reads it once a second (a
            # console reads it four times a second): CPU ms per reading, median.
            "studio_snapshot_ms": round(statistics.median(snapshot_cpu) * 1000, 2)
            if snapshot_cpu
            else None,
            # The share of the CPUs' time the hypervisor gave to others in the window.
            "machine_steal_pct": round(100 * (steal1 - steal0) / wall / (os.cpu_count() or 1), 2)
            if steal0 is not None and steal1 is not None
            else None,
            # CPU time of one fixed chunk of Python work in another process, median (ms).
            "fixed_work_ms": fixed_ms,
            # The studio process's garbage collections in the window: seconds by generation.
            "studio_gc_s": gc_time.by_generation(),
            "janus_cpu_cores": round(janus, 3),
            "janus_cpu_per_venue": round(max(0.0, janus - base_janus) / len(wanted), 5),
            "light_venue_processes_cpu_cores": round(groups, 3),
            "min_venue_program_fps": round(min(medians.values()), 2) if medians else None,
            "venues_below_28_fps": sorted(v for v, f in medians.items() if f < 28.0),
            "slowest_join_s": round(max(joins), 2) if joins else None,
            "median_join_s": round(statistics.median(joins), 2) if joins else None,
            # From the link's start to its first program frame from the SFU: join + subscribe.
            "slowest_first_picture_s": round(max(pictures), 2) if pictures else None,
            "venues_without_picture": len(wanted) - len(pictures),
            "latency_ms": {
                "p50": percentile(lat_all, 0.5),
                "p95": percentile(lat_all, 0.95),
                "frames": len(lat_all),
                "p95_by_instance": {k: percentile(v, 0.95) for k, v in lat_by_instance.items()},
                "p50_by_instance": {k: percentile(v, 0.5) for k, v in lat_by_instance.items()},
                "second_instance_minus_first": extra or None,
            },
            "load_average_1m": round(load[0], 2),
            # What the studio's control and clock channels carried, per joined venue per second
            # ("in:" from the venues, "out:" to them), by message type.
            "studio_messages_per_venue_s": {
                k: round(n / wall / max(1, len(wanted)), 3)
                for k, n in sorted(messages.items())
                if n > 0
            },
        }

    async def _countdown(
        self, engine: Any, wanted: list[str], draws: dict[str, Any]
    ) -> dict[str, Any] | None:
        joined = [v for v in wanted if v in self.joined_at]
        messages0, armed_at = _message_counts(engine), time.monotonic()
        steal0 = steal_s()
        engine.arm_countdown(self.args.lead, joined, title="scale")
        await asyncio.sleep(self.args.lead)
        steal1 = steal_s()
        # What the studio's channels carried while the countdown was armed (probes, acks).
        messages = _message_counts(engine)
        messages.subtract(messages0)
        armed_s = time.monotonic() - armed_at
        # A loaded machine delays the reports: wait longer than the demo's 3 s for them.
        await await_fire_reports(engine, settle_s=10.0)
        await asyncio.sleep(0.3)  # late acks settle
        result = countdown_result(engine, draws)
        if result is None:
            return None
        group_of = {v.invite: n for n, g in enumerate(self.groups) for v in g.spec.venues}
        passes = {n: p for n, g in enumerate(self.groups) if (p := g.passes())}
        return {
            "fired": result["fired"],
            "missed": result["missed"],
            "spread_ms": result["spread_ms"],
            # the spread of (error − the firing thread's own lateness): the clock estimates'
            "placement_spread_ms": result["placement_spread_ms"],
            "limit_spread_ms": result["limit_spread_ms"],
            "outside_bound": sum(1 for v in result["venues"] if v["within_bound"] is False),
            "largest_bound_ms": max((v["bound_ms"] or 0 for v in result["venues"]), default=None),
            "latest_fire_thread_ms": max(
                (v["late_ms"] or 0 for v in result["venues"]), default=None
            ),
            # The other share of the spread: how late the firing threads woke (each venue's own
            # measure, on its own clock), and how much that differed between venues.
            "fire_late_ms": _late_summary([v["late_ms"] for v in result["venues"]]),
            # CPU time the hypervisor gave to others while armed (/proc/stat "steal", summed
            # over the CPUs, 10 ms steps): a whole machine held up, not one venue.
            "machine_steal_ms": round((steal1 - steal0) * 1000)
            if steal0 is not None and steal1 is not None
            else None,
            "armed_messages_per_venue_s": {
                k: round(n / armed_s / max(1, len(joined)), 3)
                for k, n in sorted(messages.items())
                if n > 0
            },
            # Each light process's firing passes (FireGroup's trace), in ms: how late its thread
            # woke for its first deadline, and what it and the process's other threads did.
            "group_passes": {str(n): [_pass_ms(p) for p in ps] for n, ps in passes.items()},
            "venue_group": {
                vid: group_of.get(str(self.invites[vid])) for vid in joined if vid in self.invites
            },
            # venue: [true error, claimed bound, the firing thread's own lateness] (ms)
            "venues": {
                v["id"]: [v["error_ms"], v["bound_ms"], v["late_ms"]] for v in result["venues"]
            },
        }


class _GcTime:
    """Wall time of this process's garbage collections while it lives (gc.callbacks)."""

    def __init__(self) -> None:
        self._started: float | None = None
        self._spent = [0.0, 0.0, 0.0]
        self._count = [0, 0, 0]
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            generation = info["generation"]
            self._spent[generation] += time.perf_counter() - self._started
            self._count[generation] += 1
            self._started = None

    def stop(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)

    def by_generation(self) -> dict[str, list[float]]:
        """Generation: [seconds, collections]."""
        return {str(g): [round(self._spent[g], 4), self._count[g]] for g in range(3)}


def _message_counts(engine: Any) -> collections.Counter[str]:
    """Messages the studio's channels to the venues have carried so far, by direction and type
    (a replaced connection's are left out)."""
    total: collections.Counter[str] = collections.Counter()
    for record in engine.venues.values():
        conn = record.conn
        for channel in (conn.control, conn.clock) if conn is not None else ():
            if channel is None:
                continue
            total.update({f"in:{k}": n for k, n in channel.received.items()})
            total.update({f"out:{k}": n for k, n in channel.sent.items()})
    return total


def _late_summary(late_ms: list[float | None]) -> dict[str, float] | None:
    values = sorted(x for x in late_ms if x is not None)
    if not values:
        return None
    return {
        "p50": round(values[len(values) // 2], 3),
        "max": round(values[-1], 3),
        "spread": round(values[-1] - values[0], 3),
    }


def _pass_ms(trace: dict[str, Any]) -> dict[str, Any]:
    """A firing pass's trace (a FireGroup's, or a decoding venue's own thread's) in ms, rounded."""

    def ms(x: Any) -> Any:
        if isinstance(x, float | int) and not isinstance(x, bool):
            return round(x * 1000, 3)
        if isinstance(x, list):
            return [ms(y) for y in x]
        if isinstance(x, dict):
            return {k: ms(v) for k, v in x.items()}
        return x

    return {
        k: (v if k in ("arm_id", "realtime", "venues", "waits", "preempted", "restarts") else ms(v))
        for k, v in trace.items()
    }


def cpu_ratios(
    first: dict[str, Any], last: dict[str, Any], again: dict[str, Any] | None
) -> dict[str, float]:
    """The studio's CPU at the last step over the first; with the first step measured again at
    the end (`again`), also over the mean of its two windows, which brackets the last step in
    time: a machine that slowed down or sped up during the run moves both windows of the
    bracket alike. The same for the fixed chunk of work beside it (how much the load alone
    inflated CPU figures)."""
    out: dict[str, float] = {}
    if not (first and last and first.get("studio_cpu_cores")):
        return out
    ratio = last["studio_cpu_cores"] / first["studio_cpu_cores"]
    out["studio_cpu_ratio_last_over_first"] = round(ratio, 2)
    if first.get("fixed_work_ms") and last.get("fixed_work_ms"):
        # The same work cost this much more CPU at the last step than at the first (the
        # machine's load), and the studio's ratio with that taken out: what it did more.
        fixed = last["fixed_work_ms"] / first["fixed_work_ms"]
        out["fixed_work_ratio_last_over_first"] = round(fixed, 2)
        out["studio_cpu_ratio_at_equal_cost"] = round(ratio / fixed, 2)
    if last["venues"] > first["venues"]:
        # What each venue beyond the first step costs the studio: its control and clock
        # channels (and its camera, if the light venues send one), not the program.
        out["studio_cpu_per_added_venue"] = round(
            (last["studio_cpu_cores"] - first["studio_cpu_cores"])
            / (last["venues"] - first["venues"]),
            5,
        )
    if again and again.get("studio_cpu_cores"):
        out["studio_cpu_ratio_first_again_over_first"] = round(
            again["studio_cpu_cores"] / first["studio_cpu_cores"], 2
        )
        bracket = (first["studio_cpu_cores"] + again["studio_cpu_cores"]) / 2
        out["studio_cpu_ratio_last_over_first_both"] = round(last["studio_cpu_cores"] / bracket, 2)
        if first.get("fixed_work_ms") and again.get("fixed_work_ms") and last.get("fixed_work_ms"):
            fixed_bracket = (first["fixed_work_ms"] + again["fixed_work_ms"]) / 2
            out["fixed_work_ratio_last_over_first_both"] = round(
                last["fixed_work_ms"] / fixed_bracket, 2
            )
    return out


async def _end_groups(groups: list[Group]) -> None:
    """Light-venue processes end as on a crew's quit (SIGTERM: their links close), killed
    after 20 s; waited for off the loop, where the studio runs."""
    for group in groups:
        if group.proc and group.proc.poll() is None:
            group.proc.terminate()
    for group in groups:
        if group.proc:
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(group.proc.wait, 20)
            if group.proc.poll() is None:
                group.proc.kill()


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def main(args: argparse.Namespace) -> int:
    progress = sys.stderr if args.json else sys.stdout

    def say(text: str) -> None:
        print(text, file=progress, flush=True)

    load_before = os.getloadavg()
    body = asyncio.run(Scale(args, say).run())
    steps = body["steps"]
    first, last = (steps[0], steps[-1]) if steps else ({}, {})
    result: dict[str, Any] = {
        "bench": "scale",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "sfu": args.sfu + (" cascade" if args.cascade else ""),
        "program": args.program,
        "bitrate": args.bitrate,
        "venue_clip": args.clip,
        "light_venues_per_process": args.per_process,
        "decoding_venues": DECODING_VENUES,
        "load_average_at_start": [round(x, 2) for x in load_before],
        **body,
    }
    result.update(cpu_ratios(first, last, body.get("first_step_again")))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0
