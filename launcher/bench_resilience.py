"""`ceremony bench resilience`: the engine does not notice its console — attached, or killed.

The studio engine runs here (this process, as `ceremony studio --headless` would: the same engine
and operator link) with real venue processes (launcher/demo.py). The console is a real
`ceremony studio` console process (Qt, offscreen) attached over the operator link, pulling the
state and every tile's picture as an operator's would, in a session of its own as on the
studio PC (where `ceremony studio` starts the engine in another session and lowers its own
session's scheduling group: launcher/studio_priority.py; `--console-session shared` runs it in
the engine's session instead, where only its threads' nice values order the two). One run,
during a speech:

0. settle: after every venue joined and the clock estimates warmed up, `--settle-s` of samples
   that are reported (under "settle") but not compared: the first seconds after eleven joins
   still carry the start-up (the venues' processes settling; and the board's smoothed RTT, which
   forgets the joins' round trips only over tens of seconds);
1. `--rounds` rounds of a headless phase, then an attached phase (H A H A …, the console process
   started for each attached phase and SIGKILLed after it), each phase running `--countdowns`
   countdowns back to back while every heartbeat's round trip is recorded (the raw samples, not
   the board's smoothed figure); a final headless phase after the kill/restart closes the last
   round, so each attached phase is compared with the headless phases on both sides of it;
2. killed: a countdown is armed, the console is SIGKILLed before zero; program fps every second
   around the kill, the countdown's spread, control RTT after;
3. restarted: a new console process; how long until it is attached, and until it shows the live
   state (from its own log's timestamps).

The comparison (`comparison` in the JSON): per condition the median over its phases of the RTT
p50, the median over its countdowns of the spread, their ratio attached ÷ headless, each round's
own ratio (so the noise shows), and a bootstrap interval of the ratio; the target (within 20 %)
is "met" or "not met" only when the whole interval says so, else "undecided".

The verdict's estimate follows where each figure's noise is (both are in the JSON, with the
pooled medians' verdict beside them):
- RTT: one value a phase (its p50 of ~100 round trips) moves mostly with the shared machine's
  load, which drifts over minutes; each round's own ratio (the attached phase against the
  headless phases on both sides) cancels the drift, so the estimate is their geometric mean with
  a Student t interval on the log ratios (a bootstrap of eight values claims too much certainty);
- spread: one value a countdown, noisy within a phase (0.1–1.3 ms in one quiet phase), little
  drift; the pooled Hodges–Lehmann ratio (the median of every attached ÷ headless pair) uses all
  of them where the ratio of two medians keeps one value of each, bootstrapped as before.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ceremony.runsheet import ItemKind, Runsheet, SourceKind
from ceremony.runsheet.yaml_io import dump_yaml
from ceremony.sequencer import commands as cmd
from launcher.demo import Demo, DemoOptions, SimOptions, await_fire_reports, countdown_result
from launcher.paths import Paths
from media import runsheet_files
from media.operator_link.server import LinkCost, LinkServer
from media.operator_link.service import start_link
from media.studio import StudioEngine

WARM_UP_S = 12.0
JOIN_WAIT_S = 90.0  # the venues' clock estimators need a window to fit their drift
COUNTDOWN_LEAD_S = 6.0  # (the minimum is 5 s)
KILL_LEAD_S = 8.0
KILL_BEFORE_ZERO_S = 5.0
ATTACH_TIMEOUT_S = 60.0
ATTACH_SETTLE_S = 5.0  # after the first tile: the window built, its tiles sized and flowing
DETACH_SETTLE_S = 3.0  # after a console's kill: its process gone, its link closed
RTT_POLL_S = 0.1  # heartbeats come once a second per venue: no sample is missed
# A venue starved at zero on this shared machine may report its fire only after it has
# reconnected: wait for its report rather than count it missing.
FIRE_REPORT_SETTLE_S = 8.0
FPS_FLOOR = 0.9  # the lowest second at every venue, as a share of the program's rate
TARGET_RATIO = 1.2  # attached within 20 % of headless
BOOTSTRAP_DRAWS = 2000
MIN_VALUES = 3  # per condition, for a verdict
MIN_RTT_SAMPLES = 30  # in a phase, for its RTT p50 to count (11 venues give ~10 a second)
# A phase in which processes other than the benchmark's (engine, venues, console) took more
# than this much CPU is left out of the comparison, whichever its condition: on this shared
# machine another user's build stalls every venue at once (RTT p50 in the hundreds of ms, the
# program at 0 fps), and one such phase outweighs any console.
MAX_FOREIGN_CORES = 0.25
BOOTSTRAP_SEED = 14  # the number: the same run gives the same interval


def main(args: argparse.Namespace) -> int:
    sheet = runsheet_files.load(Paths.default().sample_runsheet())
    options = DemoOptions(
        venues=args.venues,
        duration_s=3600,  # the speech lasts past the benchmark: no item change meanwhile
        out=args.out,
        program=args.program,
        sim=SimOptions(),
    )
    progress = sys.stderr if args.json else sys.stdout
    demo = Demo(sheet, options, progress)
    bench = Resilience(
        demo,
        args.out,
        phase_s=args.phase_s,
        rounds=args.rounds,
        countdowns=args.countdowns,
        settle_s=args.settle_s,
        console_nice=getattr(args, "console_nice", None),
        console_session=getattr(args, "console_session", "own"),
    )
    load_before = round(os.getloadavg()[0], 1)
    result = asyncio.run(demo.run(bench.body))
    result = {
        "bench": "resilience",
        "date": time.strftime("%Y-%m-%d"),
        "time_utc": time.strftime("%H:%M", time.gmtime()),
        "load_average_1min_at_start": load_before,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "venues": args.venues,
        "program": str(args.program),
        "console": "a real `ceremony studio` console process (PySide6, QT_QPA_PLATFORM=offscreen) "
        "attached over the operator link, pulling the state and every tile's picture",
        **result,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "resilience.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json else _summary(result))
    return 0


@dataclass
class Samples:
    """What one phase recorded: every heartbeat's round trip and each venue's program rate."""

    rtt_ms: list[float] = field(default_factory=list)
    smoothed_rtt_ms: list[float] = field(default_factory=list)  # the board's figure, per second
    missed: int = 0  # heartbeats acked between two polls: only the newest is kept
    fps: dict[str, list[float]] = field(default_factory=dict)


class Resilience:
    def __init__(
        self,
        demo: Demo,
        out: Path,
        *,
        phase_s: float,
        rounds: int,
        countdowns: int,
        settle_s: float,
        console_nice: int | None = None,
        console_session: str = "own",
    ) -> None:
        self.demo = demo
        self.console_nice = console_nice  # None: the console's own default
        # "own": the console in a session of its own, as on the studio PC (`ceremony studio`
        # starts the engine in its own session, launcher/studio_attach.py), so the console
        # lowers its session's scheduling group too; "shared": in the engine's session, as
        # when both are started from one terminal (only the threads' nice values then).
        self.console_session = console_session
        self.out = out
        self.phase_s = phase_s
        self.rounds = rounds
        self.countdowns = countdowns
        self.settle_s = settle_s
        self.home = out / "home"
        self.console: subprocess.Popen[bytes] | None = None
        self.consoles_started = 0
        self.link: LinkServer | None = None

    async def body(self, engine: StudioEngine, sheet: Runsheet) -> dict[str, Any]:
        link = await start_link(engine, self.home / "data" / "control", stop=lambda: None)
        self.link = link
        sheet_path = self.out / "runsheet.yaml"
        sheet_path.write_text(dump_yaml(sheet), encoding="utf-8")
        try:
            return await self._phases(engine, sheet, link, sheet_path)
        finally:
            self._kill_console()
            await link.close()

    async def _phases(
        self, engine: StudioEngine, sheet: Runsheet, link: LinkServer, sheet_path: Path
    ) -> dict[str, Any]:
        say = self.demo.say
        joined_s = await self._all_joined(engine)
        say(f"all venues joined ({joined_s} s); warming up the clock estimates")
        await asyncio.sleep(WARM_UP_S)
        speech = next(
            i
            for i, item in enumerate(sheet.items)
            if item.kind is ItemKind.SPEECH and item.source.kind is SourceKind.STUDIO
        )
        engine.command(cmd.Go())
        engine.command(cmd.Jump(speech))
        say(f"during the speech: {sheet.items[speech].title}")
        rate = float(self.demo.options.program.fps)

        say(f"settle: {self.settle_s:g} s of samples, reported, not compared")
        settle = await self._settle(engine)
        say(f"  {settle['summary']}")

        rounds: list[dict[str, Any]] = []
        for n in range(1, self.rounds + 1):
            if n > 1:
                await self._detach()
            say(f"round {n}/{self.rounds}: headless")
            headless = await self._measure(engine, rate, "headless")
            say(f"  {headless['summary']}")
            say(f"round {n}/{self.rounds}: a console attached")
            attach_s = await self._attach(link, sheet_path)
            attached = await self._measure(engine, rate, "attached")
            attached["console_attach_s"] = attach_s
            say(f"  {attached['summary']}")
            rounds.append({"round": n, "headless": headless, "attached": attached})

        say("killed: the console SIGKILLed during a countdown")
        killed = await self._kill_during_countdown(engine, rate)
        say(f"  {killed['summary']}")

        say("restarted: the console started again")
        restarted = await self._restart(link, sheet_path)
        say(
            f"  attached {restarted['spawn_to_attached_s']} s after start, live state shown "
            f"{restarted['attached_to_state_shown_s']} s after attaching"
        )
        await self._detach()

        say("headless again (closes the last round)")
        headless_after = await self._measure(engine, rate, "headless")
        say(f"  {headless_after['summary']}")
        comparison = compare(rounds, headless_after)
        say(f"comparison: {comparison['summary']}")

        return {
            "all_joined_after_s": joined_s,
            "rate_fps": rate,
            "method": {
                "console_session": self.console_session,
                "console_nice": self.console_nice if self.console_nice is not None else "default",
                "rounds": self.rounds,
                "countdowns_per_phase": self.countdowns,
                "countdown_lead_s": COUNTDOWN_LEAD_S,
                "min_phase_s": self.phase_s,
                "settle_s": self.settle_s,
                "attach_settle_s": ATTACH_SETTLE_S,
                "detach_settle_s": DETACH_SETTLE_S,
                "rtt": "every heartbeat's round trip (one a second per venue), raw, as the "
                "engine's session measured it on its loop; not the board's smoothed RTT",
                "countdown_spread": "max − min of the 11 venues' true fire times (host clock); "
                "only countdowns every venue fired",
                "rtt_phase_min_samples": MIN_RTT_SAMPLES,
                "order": "H A H A … then killed, restarted, H: each attached phase is compared "
                "with the mean of the headless phases before and after it",
            },
            "settle": settle,
            "rounds": rounds,
            "killed": killed,
            "restarted": restarted,
            "headless_after": headless_after,
            "comparison": comparison,
            "targets": {
                "attached_within_20pct_of_headless": comparison["target"],
                "killed_lowest_second_ge_90pct": killed["lowest_second_fps"] is not None
                and killed["lowest_second_fps"] >= FPS_FLOOR * rate,
                "killed_countdown_all_fired": killed["countdown"]["fired"] == len(engine.venues),
                "restart_state_within_2s": restarted["attached_to_state_shown_s"] is not None
                and restarted["attached_to_state_shown_s"] <= 2.0,
            },
        }

    # ---- measuring ------------------------------------------------------------------------

    async def _all_joined(self, engine: StudioEngine) -> float | None:
        """Every venue joined (a loaded machine starts eleven venue processes slowly)."""
        began = time.monotonic()
        while time.monotonic() < began + JOIN_WAIT_S:
            if all(v.status == "joined" for v in engine.status().venues):
                return round(time.monotonic() - began, 1)
            await asyncio.sleep(0.2)
        return None

    async def _sample(self, engine: StudioEngine, stop: asyncio.Event) -> Samples:
        """Until `stop`: every heartbeat's round trip, and every second each venue's program
        rate (0 if not joined) and the board's smoothed RTT."""
        samples = Samples(fps={vid: [] for vid in engine.venues})
        counted: dict[str, tuple[object, int]] = {}  # per venue: its link, samples seen
        next_second = time.monotonic() + 1.0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RTT_POLL_S)
            for vid in engine.venues:
                live = engine.session.liveness(vid)
                if live is None:
                    continue
                before = counted.get(vid)
                counted[vid] = (live, live.samples)
                if before is None:
                    continue  # the phase begins: what this link measured before is not ours
                seen = before[1] if before[0] is live else 0  # (a new link: it rejoined)
                if live.samples > seen and live.last_sample_s is not None:
                    samples.rtt_ms.append(live.last_sample_s * 1000)
                    samples.missed += live.samples - seen - 1
            if time.monotonic() >= next_second:
                next_second += 1.0
                for v in engine.status().venues:
                    joined = v.status == "joined"
                    samples.fps[v.id].append(v.program_fps_at_venue if joined else 0.0)
                    if joined and v.rtt_ms is not None:
                        samples.smoothed_rtt_ms.append(v.rtt_ms)
        return samples

    async def _settle(self, engine: StudioEngine) -> dict[str, Any]:
        """Samples right after the start-up, kept apart: the first and second half side by
        side show whether the start-up still weighed on them."""
        half: list[Samples] = []
        for _ in range(2):
            stop = asyncio.Event()
            task = asyncio.ensure_future(self._sample(engine, stop))
            await asyncio.sleep(self.settle_s / 2)
            stop.set()
            half.append(await task)
        first, second = (
            {
                "rtt_ms_p50": _p50(h.rtt_ms),
                "rtt_samples": len(h.rtt_ms),
                "smoothed_rtt_ms_p50": _p50(h.smoothed_rtt_ms),
            }
            for h in half
        )
        return {
            "excluded": True,
            "why": "right after the joins and the clock warm-up: not part of the comparison",
            "seconds": self.settle_s,
            "first_half": first,
            "second_half": second,
            "summary": f"raw RTT p50 {first['rtt_ms_p50']} -> {second['rtt_ms_p50']} ms, "
            f"smoothed (the board's) {first['smoothed_rtt_ms_p50']} -> "
            f"{second['smoothed_rtt_ms_p50']} ms",
        }

    async def _countdown(self, engine: StudioEngine, lead_s: float, title: str) -> dict[str, Any]:
        engine.arm_countdown(lead_s, list(engine.venues), title=title)
        await await_fire_reports(engine, settle_s=FIRE_REPORT_SETTLE_S)
        result = countdown_result(engine, self.demo.sim) or {}
        return {k: result.get(k) for k in ("spread_ms", "fired", "missed", "placement_spread_ms")}

    async def _measure(self, engine: StudioEngine, rate: float, condition: str) -> dict[str, Any]:
        """One phase: `countdowns` countdowns back to back (at least `phase_s`), with every
        round trip, each second's program rate and the CPU of both processes."""
        console = self.console
        cpu = _cpu_s(os.getpid()), _cpu_s(console.pid if console else None)
        busy = _machine_busy_s(), self._ours_s()
        tiles = self._tiles_sent()
        threads = _threads_cpu_s()
        link_cost = dataclasses.replace(self.link.cost) if self.link else None
        paced = (self.link.pacer.ticks, self.link.pacer.made) if self.link else (0, 0)
        began = time.monotonic()
        stop = asyncio.Event()
        sampling = asyncio.ensure_future(self._sample(engine, stop))
        countdowns = [
            await self._countdown(engine, COUNTDOWN_LEAD_S, f"bench {condition} {i + 1}")
            for i in range(self.countdowns)
        ]
        await asyncio.sleep(max(0.0, began + self.phase_s - time.monotonic()))
        stop.set()
        samples = await sampling
        wall = time.monotonic() - began
        figures = _figures(samples, countdowns, rate, len(engine.venues))
        figures["condition"] = condition
        figures["seconds"] = round(wall, 1)
        figures["engine_cpu_cores"] = round((_cpu_s(os.getpid()) - cpu[0]) / wall, 3)
        figures["console_cpu_cores"] = (
            round((_cpu_s(console.pid) - cpu[1]) / wall, 3) if console else None
        )
        # What ran on the machine besides the benchmark's own processes (engine, venues,
        # console): other users' load, which neither condition causes.
        figures["foreign_cpu_cores"] = round(
            ((_machine_busy_s() - busy[0]) - (self._ours_s() - busy[1])) / wall, 3
        )
        # Proof that the console's tiles flowed while it was measured.
        figures["console_tiles_per_s"] = (
            round((self._tiles_sent() - tiles) / wall, 1) if console else None
        )
        if console is not None and self.link is not None:  # what the console's tiles asked for
            figures["console_tile_sizes"] = {
                k: list(v) for c in self.link.clients.values() for k, v in c.wants.items()
            }
        figures["engine_loop_lag_ms_p95"] = engine.status().loop_lag_ms_p95
        # Where the engine's CPU went, by thread, and what the operator link itself spent.
        figures["engine_threads_cpu_cores"] = _per_second(threads, _threads_cpu_s(), wall)
        if link_cost is not None and self.link is not None:
            figures["link_cost"] = _link_cost(link_cost, self.link.cost, wall)
            ticks = self.link.pacer.ticks - paced[0]
            # The share of the tile loop's ticks that made pictures (fewer: the loop ran late).
            figures["link_cost"]["tile_ticks_made_share"] = (
                round((self.link.pacer.made - paced[1]) / ticks, 3) if ticks else None
            )
        figures["load_average_1min"] = round(os.getloadavg()[0], 1)  # the shared machine's
        # What each process ran at: the console lowers itself (launcher/studio_priority.py).
        figures["engine_threads_nice_policy"] = _scheduling(os.getpid())
        figures["console_threads_nice_policy"] = _scheduling(console.pid) if console else None
        figures["console_autogroup"] = _autogroup_nice(console.pid) if console else None
        return figures

    async def _kill_during_countdown(self, engine: StudioEngine, rate: float) -> dict[str, Any]:
        engine.arm_countdown(KILL_LEAD_S, list(engine.venues), title="bench (console killed)")
        stop = asyncio.Event()
        sampling = asyncio.ensure_future(self._sample(engine, stop))
        await asyncio.sleep(KILL_LEAD_S - KILL_BEFORE_ZERO_S)
        killed_at = time.monotonic()
        self._kill_console()
        await await_fire_reports(engine, settle_s=FIRE_REPORT_SETTLE_S)
        result = countdown_result(engine, self.demo.sim) or {}
        countdown = {
            k: result.get(k) for k in ("spread_ms", "fired", "missed", "placement_spread_ms")
        }
        await asyncio.sleep(max(0.0, killed_at + KILL_BEFORE_ZERO_S + 4.0 - time.monotonic()))
        stop.set()
        samples = await sampling
        figures = _figures(samples, [countdown], rate, len(engine.venues))
        figures["engine_loop_lag_ms_p95"] = engine.status().loop_lag_ms_p95
        figures["load_average_1min"] = round(os.getloadavg()[0], 1)
        figures["killed_s_before_zero"] = round(
            (engine.countdown.fire_at or killed_at) - killed_at, 2
        )
        return figures

    # ---- the console process ----------------------------------------------------------------

    def _start_console(self, sheet_path: Path) -> None:
        self.consoles_started += 1
        name = f"console-{self.consoles_started}"
        env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES")}
        env.update(CEREMONY_HOME=str(self.home), QT_QPA_PLATFORM="offscreen")
        nice = [] if self.console_nice is None else ["--console-nice", str(self.console_nice)]
        log = (self.out / "logs" / f"{name}.out").open("wb")
        with log:
            self.console = subprocess.Popen(
                [
                    *(sys.executable, "-m", "launcher.cli", "studio"),
                    *("--runsheet", str(sheet_path), *nice),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=self.console_session == "own",
            )

    async def _attach(self, link: LinkServer, sheet_path: Path) -> float:
        """A console process started and attached, its tiles flowing for ATTACH_SETTLE_S."""
        started = time.monotonic()
        self._start_console(sheet_path)
        attach_s = await self._attached(link, started)
        deadline = time.monotonic() + ATTACH_TIMEOUT_S
        while self._tiles_sent() == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(ATTACH_SETTLE_S)
        return attach_s

    async def _detach(self) -> None:
        self._kill_console()
        await asyncio.sleep(DETACH_SETTLE_S)

    def _ours_s(self) -> float:
        """CPU seconds so far of the engine, the venues and the console attached now."""
        pids = [os.getpid(), *(v.proc.pid for v in self.demo.procs.values() if v.proc)]
        if self.console is not None:
            pids.append(self.console.pid)
        return sum(_cpu_s(pid) for pid in pids)

    def _tiles_sent(self) -> int:
        """Pictures the link handed to the console(s) attached now."""
        link = self.link
        return sum(c.tiles_sent for c in link.clients.values()) if link else 0

    async def _attached(self, link: LinkServer, started: float) -> float:
        deadline = started + ATTACH_TIMEOUT_S
        while time.monotonic() < deadline:
            if any(c.name.startswith("console on") for c in link.clients.values()):
                return round(time.monotonic() - started, 2)
            if self.console is not None and self.console.poll() is not None:
                raise RuntimeError("the console process ended before attaching")
            await asyncio.sleep(0.05)
        raise RuntimeError(f"the console did not attach within {ATTACH_TIMEOUT_S:.0f} s")

    def _kill_console(self) -> None:
        if self.console is not None and self.console.poll() is None:
            self.console.send_signal(signal.SIGKILL)
            self.console.wait(10)
        self.console = None

    async def _restart(self, link: LinkServer, sheet_path: Path) -> dict[str, Any]:
        log = self.home / "logs" / "console.log"
        lines_before = len(_lines(log))
        started = time.monotonic()
        self._start_console(sheet_path)
        spawn_to_attached = await self._attached(link, started)
        shown = None
        deadline = time.monotonic() + 10.0
        while shown is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            shown = _attach_to_shown(_lines(log)[lines_before:])
        return {
            "spawn_to_attached_s": spawn_to_attached,  # Python, Qt and the window starting
            "attached_to_state_shown_s": shown,  # the console's own log, ms timestamps
        }


def _cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (0 for none)."""
    if pid is None:
        return 0.0
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def _threads_cpu_s() -> dict[str, float]:
    """CPU seconds so far of this process's threads, by name (Python's names; a native
    thread's own name; numbered pool threads summed under their prefix)."""
    names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    with contextlib.suppress(OSError):
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (task / "stat").read_text()
                comm = stat[stat.index("(") + 1 : stat.rindex(")")]
                fields = stat.rsplit(")", 1)[1].split()
                name = names.get(int(task.name), comm).rstrip("0123456789").rstrip("_-")
                out[name or comm] = (
                    out.get(name or comm, 0.0) + (int(fields[11]) + int(fields[12])) / tick
                )
    return out


def _per_second(before: dict[str, float], after: dict[str, float], wall: float) -> dict[str, float]:
    """Cores each named thread used between two `_threads_cpu_s` readings, busiest first."""
    used = {k: round((v - before.get(k, 0.0)) / wall, 3) for k, v in after.items()}
    return dict(sorted(((k, v) for k, v in used.items() if v > 0), key=lambda kv: -kv[1]))


def _link_cost(before: LinkCost, after: LinkCost, wall: float) -> dict[str, float | None]:
    """The operator link's CPU in a phase, in cores (loop: the engine's loop; thread: the
    pictures thread), and the CPU of one state frame."""
    states = after.states - before.states
    return {
        "loop_cores": round((after.loop_s() - before.loop_s()) / wall, 4),
        "state_loop_cores": round((after.state_loop_s - before.state_loop_s) / wall, 4),
        "tiles_loop_cores": round((after.tiles_loop_s - before.tiles_loop_s) / wall, 4),
        "send_loop_cores": round((after.send_loop_s - before.send_loop_s) / wall, 4),
        "pictures_thread_cores": round(
            (after.pictures_thread_s - before.pictures_thread_s) / wall, 4
        ),
        "state_ms_each": round((after.state_loop_s - before.state_loop_s) / states * 1000, 3)
        if states
        else 0.0,
    }


def _scheduling(pid: int) -> list[tuple[int, int]]:
    """The distinct (nice, scheduling policy) pairs of a process's threads (policy 0 ordinary,
    1 FIFO, 2 round robin)."""
    seen: set[tuple[int, int]] = set()
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                seen.add((int(fields[16]), int(fields[38])))  # stat fields 19 and 41
    return sorted(seen)


def _autogroup_nice(pid: int) -> str | None:
    """The process's session scheduling group and its nice ("/autogroup-12 nice 10")."""
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/autogroup").read_text().strip()
    return None


def _machine_busy_s() -> float:
    """CPU seconds every core has been busy so far (all but idle and I/O wait)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    return 0.0


def _lines(path: Path) -> list[str]:
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    return []


def _stamp(line: str) -> float:
    return dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()


def _attach_to_shown(lines: list[str]) -> float | None:
    attached = next((line for line in lines if "attached to the studio engine" in line), None)
    shown = next((line for line in lines if "live state shown" in line), None)
    if attached is None or shown is None:
        return None
    return round(_stamp(shown) - _stamp(attached), 3)


def _p50(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _figures(
    samples: Samples, countdowns: list[dict[str, Any]], rate: float, venues: int
) -> dict[str, Any]:
    fps, rtt = samples.fps, samples.rtt_ms
    lowest = {vid: min(v) for vid, v in fps.items() if v}
    rtt_p50 = _p50(rtt)
    rtt_p95 = round(sorted(rtt)[int(0.95 * (len(rtt) - 1))], 2) if rtt else None
    low = min(lowest.values()) if lowest else None
    # A spread over the venues that fired is not comparable with one over all of them.
    complete = [
        c for c in countdowns if c.get("fired") == venues and c.get("spread_ms") is not None
    ]
    spreads = [c["spread_ms"] for c in complete]
    fired = [c.get("fired") for c in countdowns]
    return {
        "rtt_ms_p50": rtt_p50,
        "rtt_ms_p95": rtt_p95,
        "rtt_samples": len(rtt),
        "rtt_samples_missed": samples.missed,
        "smoothed_rtt_ms_p50": _p50(samples.smoothed_rtt_ms),
        "lowest_second_fps": low,
        "lowest_second_by_venue": lowest,
        "median_fps": round(statistics.median([x for v in fps.values() for x in v]), 2)
        if any(fps.values())
        else None,
        "countdowns": countdowns,
        "countdown_spreads_ms": spreads,  # of the countdowns every venue fired
        "countdowns_incomplete": len(countdowns) - len(complete),
        "countdown_spread_ms_median": _p50(spreads),
        # (the single-countdown form older runs reported; the kill phase has one countdown)
        "countdown": countdowns[-1] if countdowns else {},
        "summary": f"RTT p50 {rtt_p50} ms ({len(rtt)} samples), lowest second {low} fps of "
        f"{rate}, countdown spreads {spreads} ms (fired {fired})",
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _bootstrap(
    attached: Sequence[float], headless: Sequence[float], rng: random.Random
) -> tuple[float, float] | None:
    """5th and 95th percentile of median(attached) / median(headless), each resampled with
    replacement: how far the ratio moves with the luck of which phases or countdowns we got."""
    if not attached or not headless:
        return None
    ratios = []
    for _ in range(BOOTSTRAP_DRAWS):
        a = statistics.median(rng.choices(attached, k=len(attached)))
        h = statistics.median(rng.choices(headless, k=len(headless)))
        if h > 0:
            ratios.append(a / h)
    if not ratios:
        return None
    ratios.sort()
    return round(ratios[int(0.05 * (len(ratios) - 1))], 3), round(
        ratios[int(0.95 * (len(ratios) - 1))], 3
    )


# Student t, one-sided 95 % (a two-sided 90 % interval), by degrees of freedom; past the
# table, its last value (a little wider than the truth).
_T95 = (
    *(6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812),
    *(1.796, 1.782, 1.771, 1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725),
)


def _paired(ratios: Sequence[float]) -> tuple[float | None, tuple[float, float] | None]:
    """The geometric mean of the rounds' own ratios and its 90 % t interval (on the logs)."""
    logs = [math.log(r) for r in ratios if r > 0]
    if not logs:
        return None, None
    mean = statistics.mean(logs)
    if len(logs) < 2:
        return round(math.exp(mean), 3), None
    t = _T95[min(len(logs) - 1, len(_T95)) - 1]
    half = t * statistics.stdev(logs) / math.sqrt(len(logs))
    low, high = math.exp(mean - half), math.exp(mean + half)
    return round(math.exp(mean), 3), (round(low, 3), round(high, 3))


def _hodges_lehmann(attached: Sequence[float], headless: Sequence[float]) -> float | None:
    """The median of every attached ÷ headless pair (the shift of the log values)."""
    pairs = [a / h for a in attached for h in headless if h > 0 and a > 0]
    return statistics.median(pairs) if pairs else None


def _bootstrap_hl(
    attached: Sequence[float], headless: Sequence[float], rng: random.Random
) -> tuple[float, float] | None:
    """5th and 95th percentile of the Hodges–Lehmann ratio, both samples resampled."""
    if not attached or not headless:
        return None
    ratios = []
    for _ in range(BOOTSTRAP_DRAWS // 4):  # each draw weighs len(a) × len(h) pairs
        r = _hodges_lehmann(
            rng.choices(attached, k=len(attached)), rng.choices(headless, k=len(headless))
        )
        if r is not None:
            ratios.append(r)
    if not ratios:
        return None
    ratios.sort()
    return round(ratios[int(0.05 * (len(ratios) - 1))], 3), round(
        ratios[int(0.95 * (len(ratios) - 1))], 3
    )


def _verdict(ratio: float | None, interval: tuple[float, float] | None, fewest: int) -> str:
    if ratio is None or interval is None:
        return "no data"
    if fewest < MIN_VALUES:  # a resampled single value has no spread: it would look certain
        return "undecided"
    if interval[1] <= TARGET_RATIO:
        return "met"
    if interval[0] > TARGET_RATIO:
        return "not met"
    return "undecided"


def _condition(
    name: str,
    rounds: list[dict[str, Any]],
    headless_after: dict[str, Any],
    figure: Callable[[dict[str, Any]], list[float]],
    rng: random.Random,
    *,
    paired: bool,
) -> dict[str, Any]:
    """One figure compared: per-round ratios (each attached phase against the mean of the
    headless phases on both sides), the pooled medians, their ratio and its interval."""
    headless = [r["headless"] for r in rounds] + [headless_after]
    attached = [r["attached"] for r in rounds]
    h_values = [x for phase in headless for x in figure(phase)]
    a_values = [x for phase in attached for x in figure(phase)]
    per_round = []
    for i, phase in enumerate(attached):
        around = [statistics.median(figure(h)) for h in headless[i : i + 2] if figure(h)]
        a = figure(phase)
        per_round.append(
            _ratio(statistics.median(a), statistics.mean(around)) if a and around else None
        )
    h_median, a_median = _p50(h_values), _p50(a_values)
    ratio = _ratio(a_median, h_median)
    interval = _bootstrap(a_values, h_values, rng)
    known = [r for r in per_round if r is not None]
    if paired:
        estimator = "geometric mean of the per-round ratios, 90 % Student t interval"
        estimate, estimate_interval = _paired(known)
        fewest = len(known)
    else:
        estimator = "Hodges-Lehmann ratio (median of all attached/headless pairs), bootstrap"
        hl = _hodges_lehmann(a_values, h_values)
        estimate = round(hl, 3) if hl is not None else None
        estimate_interval = _bootstrap_hl(a_values, h_values, rng)
        fewest = min(len(a_values), len(h_values))
    return {
        "figure": name,
        "headless_median": h_median,
        "attached_median": a_median,
        "headless_values": h_values,
        "attached_values": a_values,
        "ratio": ratio,
        "ratio_interval_90pct": interval,
        "per_round_ratios": per_round,
        "per_round_ratio_range": (min(known), max(known)) if known else None,
        "verdict_pooled_medians": _verdict(ratio, interval, min(len(a_values), len(h_values))),
        "estimator": estimator,
        "estimate": estimate,
        "estimate_interval_90pct": estimate_interval,
        "verdict": _verdict(estimate, estimate_interval, fewest),
    }


def compare(rounds: list[dict[str, Any]], headless_after: dict[str, Any]) -> dict[str, Any]:
    """Attached against headless over every round (see the module's docstring)."""
    rng = random.Random(BOOTSTRAP_SEED)

    def quiet(phase: dict[str, Any]) -> bool:
        return (phase.get("foreign_cpu_cores") or 0.0) <= MAX_FOREIGN_CORES

    def rtt_p50(phase: dict[str, Any]) -> list[float]:
        # A starved phase (venues lost, a handful of round trips) has no p50 worth comparing.
        value = phase["rtt_ms_p50"]
        enough = phase.get("rtt_samples", MIN_RTT_SAMPLES) >= MIN_RTT_SAMPLES
        return [value] if value is not None and enough and quiet(phase) else []

    def spreads(phase: dict[str, Any]) -> list[float]:
        return list(phase["countdown_spreads_ms"]) if quiet(phase) else []

    rtt = _condition(
        "control RTT p50 per phase (ms)", rounds, headless_after, rtt_p50, rng, paired=True
    )
    spread = _condition(
        "countdown spread per countdown (ms)", rounds, headless_after, spreads, rng, paired=False
    )
    cores_h = [r["headless"]["engine_cpu_cores"] for r in rounds] + [
        headless_after["engine_cpu_cores"]
    ]
    cores_a = [r["attached"]["engine_cpu_cores"] for r in rounds]
    phases = [p for r in rounds for p in (r["headless"], r["attached"])] + [headless_after]
    left_out = [(p.get("condition"), p.get("foreign_cpu_cores")) for p in phases if not quiet(p)]
    verdicts = {rtt["verdict"], spread["verdict"]}
    target = "met" if verdicts == {"met"} else "not met" if "not met" in verdicts else "undecided"
    return {
        "rtt_ms_p50": rtt,
        "countdown_spread_ms": spread,
        "engine_cpu_cores": {
            "headless_median": _p50(cores_h),
            "attached_median": _p50(cores_a),
            "attached_minus_headless": round(
                statistics.median(cores_a) - statistics.median(cores_h), 3
            )
            if cores_a and cores_h
            else None,
        },
        "max_foreign_cpu_cores": MAX_FOREIGN_CORES,
        "phases_left_out_foreign_load": left_out,
        "target": target,
        "summary": f"({len(left_out)} of {len(phases)} phases left out: others' load) "
        f"RTT p50 {rtt['attached_median']} vs {rtt['headless_median']} ms "
        f"(ratio {rtt['ratio']}, 90 % {rtt['ratio_interval_90pct']}; paired "
        f"{rtt['estimate']}, 90 % {rtt['estimate_interval_90pct']}, {rtt['verdict']}); "
        f"spread {spread['attached_median']} vs {spread['headless_median']} ms "
        f"(ratio {spread['ratio']}, 90 % {spread['ratio_interval_90pct']}; Hodges-Lehmann "
        f"{spread['estimate']}, 90 % {spread['estimate_interval_90pct']}, {spread['verdict']}); "
        f"engine CPU {_p50(cores_a)} vs {_p50(cores_h)} cores",
    }


def _summary(result: dict[str, Any]) -> str:
    lines = [f"settle: {result['settle']['summary']}"]
    for r in result["rounds"]:
        for phase in ("headless", "attached"):
            lines.append(f"round {r['round']} {phase}: {r[phase]['summary']}")
    lines += [
        f"killed: {result['killed']['summary']}",
        f"restarted: {result['restarted']}",
        f"headless again: {result['headless_after']['summary']}",
        f"comparison: {result['comparison']['summary']}",
        f"targets: {result['targets']}",
    ]
    return "\n".join(lines)
