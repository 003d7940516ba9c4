"""`ceremony bench abuse`: a bounded abuse run against a real headless studio on loopback.

The studio is `ceremony studio --headless` in its own process (its log, RSS and journal are
measured from outside). This process hosts the legitimate side: a few venues whose program
frame rate is watched, a probe venue that joins again and again (join time), and one joined venue
that floods its control channel. The strangers run in a child process of their own (so their
CPU does not count against the venues watched here), from many loopback source addresses
(127.0.x.y: all loopback on Linux), in three phases:

1. signaling: >= 5,000 malformed inputs of every kind (bad JSON, deep nesting, invalid UTF-8,
   oversized frames, non-ASCII and forged tokens, probes for venues and ceremonies, studio-only
   types, a leaked token with garbage offers, expired invites, plain HTTP, no TLS at all);
2. idle: 1,000 connections that open and say nothing (TCP, TLS, WebSocket, slow headers);
3. flood: one joined venue sends >= 500 malformed and studio-only messages a second.

Every input's fate is recorded by the attacker (refused with a reason, or closed by the studio),
and the studio's own aggregated counts are read back from its journal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import signal
import ssl
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from ceremony import wire
from ceremony.invite import Invite
from launcher.demo import free_port
from launcher.paths import Paths
from media import runsheet_files
from media.private_files import make_private_dir, open_private
from media.signaling_limits import SignalingLimits

LOOPBACK = "127.0.0.1"
ATTACK_TIMEOUT_S = 12.0  # an input still unanswered after this counts as a failure
SIGNAL_SOURCES = [f"127.0.1.{i}" for i in range(1, 251)]
IDLE_SOURCES = [f"127.0.2.{i}" for i in range(1, 101)]


# ---- the attacker (child process) ----------------------------------------------------------


@dataclass
class AttackPlan:
    port: int
    fingerprint: str
    leaked: dict[str, Any]  # a genuine invite of a live venue (a leaked token)
    expired: dict[str, Any]  # a genuine invite that has expired
    count: int
    idle: int
    concurrency: int = 48


def _pin(fingerprint: str) -> aiohttp.Fingerprint:
    return aiohttp.Fingerprint(bytes.fromhex(fingerprint.replace(":", "")))


def _join(invite: dict[str, Any], **changes: Any) -> str:
    body = {k: v for k, v in invite.items() if k != "token"}
    body.update(type="join", token=invite["token"], sdp="v=0\r\n")
    body.update(changes)
    return json.dumps(body)


def signaling_inputs(plan: AttackPlan) -> list[tuple[str, Any]]:
    """(kind, payload) for every input, cycling through the kinds until `count`."""
    leaked, expired = plan.leaked, plan.expired
    rng = random.Random(7)
    kinds: list[tuple[str, Any]] = [
        ("not_json", "{"),
        ("deep_nesting", "[" * 5000 + "]" * 5000),
        ("deep_objects", '{"a":' * 3000 + "1" + "}" * 3000),
        ("invalid_utf8_text", ("text", b'{"type":"join","venue_id":"\xff\xfe"}')),
        ("binary_junk", bytes(rng.getrandbits(8) for _ in range(200))),
        ("oversized", "x" * (wire.MAX_SIGNAL_BYTES + 10)),
        ("non_ascii_token", _join(leaked, token="é" * 64)),
        ("forged_token", _join(leaked, token=f"{rng.getrandbits(256):064x}")),
        ("unknown_venue_probe", _join(leaked, venue_id="atlantis", token="0" * 64)),
        ("wrong_ceremony_probe", _join(leaked, ceremony_id="other", token="0" * 64)),
        ("long_venue_id", _join(leaked, venue_id="v" * 60_000)),
        ("forged_studio_name", _join(leaked, studio="@tudio")),
        ("studio_only_type", '{"type":"accepted","sdp":"","studio":"x","venue_name":"y"}'),
        ("wrong_version", _join(leaked, v=2)),
        ("wrong_types", '{"type":"join","venue_id":5,"ceremony_id":[],"expires":"x"}'),
        ("huge_number", _join(leaked, expires=1e308)),
        ("leaked_token_empty_sdp", _join(leaked, sdp="")),
        ("leaked_token_garbage_sdp", _join(leaked, sdp="garbage " * 100)),
        ("expired_invite", _join(expired)),
        ("plain_http", ("http", "/signal")),
        ("http_other_path", ("http", "/admin")),
        ("no_tls", ("raw", b"GET /signal HTTP/1.1\r\nHost: x\r\n\r\n")),
        ("tls_then_junk", ("tls", b"\x00\x01garbage\r\n\r\n")),
    ]
    return [kinds[i % len(kinds)] for i in range(plan.count)]


async def _one_input(plan: AttackPlan, source: str, payload: Any) -> str:
    """Send one input; how the studio dealt with it."""
    url = f"wss://{LOOPBACK}:{plan.port}/signal"
    if isinstance(payload, tuple) and payload[0] in ("raw", "tls"):
        ctx = None
        if payload[0] == "tls":
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        try:
            reader, writer = await asyncio.open_connection(
                LOOPBACK, plan.port, ssl=ctx, local_addr=(source, 0)
            )
            writer.write(payload[1])
            await writer.drain()
            data = await reader.read(4096)
            writer.close()
        except (OSError, ssl.SSLError):
            return "closed_by_studio"
        status = re.match(rb"HTTP/1\.[01] (\d+)", data)
        return f"http_{status.group(1).decode()}" if status else "closed_by_studio"
    connector = aiohttp.TCPConnector(local_addr=(source, 0), ssl=_pin(plan.fingerprint))
    async with aiohttp.ClientSession(connector=connector) as http:
        if isinstance(payload, tuple) and payload[0] == "http":
            try:
                async with http.get(f"https://{LOOPBACK}:{plan.port}{payload[1]}") as resp:
                    return f"http_{resp.status}"
            except (aiohttp.ClientError, OSError):
                return "closed_by_studio"
        try:
            ws = await http.ws_connect(url, max_msg_size=0)
        except (aiohttp.ClientError, OSError):
            return "closed_by_studio"  # rate-limited or evicted before TLS/upgrade
        try:
            if isinstance(payload, tuple):  # invalid UTF-8 in a *text* frame
                await ws._writer.send_frame(payload[1], aiohttp.WSMsgType.TEXT)
            elif isinstance(payload, bytes):
                await ws.send_bytes(payload)
            else:
                await ws.send_str(payload)
            reply = await ws.receive(timeout=ATTACK_TIMEOUT_S)
        except TimeoutError:
            return "unanswered"
        except (aiohttp.ClientError, OSError):
            return "closed_by_studio"
        finally:
            with contextlib.suppress(Exception):
                await ws.close()
    if reply.type == aiohttp.WSMsgType.TEXT:
        try:
            answer = json.loads(reply.data)
        except ValueError:
            return "garbled_answer"
        if answer.get("type") == "refused":
            return f"refused:{answer.get('reason')}"
        return f"answered:{answer.get('type')}"
    return "closed_by_studio"


async def attack_signaling(plan: AttackPlan) -> dict[str, Any]:
    inputs = signaling_inputs(plan)
    sources = itertools.cycle(SIGNAL_SOURCES)
    outcomes: Counter[str] = Counter()
    per_kind: dict[str, Counter[str]] = {}
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    for item in inputs:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            kind, payload = queue.get_nowait()
            try:
                outcome = await asyncio.wait_for(
                    _one_input(plan, next(sources), payload), ATTACK_TIMEOUT_S + 5
                )
            except TimeoutError:
                outcome = "unanswered"
            except Exception as exc:
                outcome = f"client_error:{type(exc).__name__}"
            outcomes[outcome] += 1
            per_kind.setdefault(kind, Counter())[outcome] += 1

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(plan.concurrency)))
    return {
        "inputs": len(inputs),
        "kinds": len(per_kind),
        "seconds": round(time.monotonic() - started, 1),
        "outcomes": dict(outcomes.most_common()),
        "per_kind": {k: dict(v) for k, v in per_kind.items()},
    }


async def attack_idle(plan: AttackPlan, hold_s: float = 15.0) -> dict[str, Any]:
    """Open `idle` connections that say nothing; how long until the studio closed each."""
    closed_after: list[float] = []
    still_open = 0
    kinds = ["tcp_silent", "tls_silent", "websocket_silent", "slow_headers"]
    opened: Counter[str] = Counter()
    refused_at_connect = 0

    async def hold(kind: str, source: str) -> None:
        nonlocal still_open, refused_at_connect
        ctx = None
        if kind != "tcp_silent":
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(LOOPBACK, plan.port, ssl=ctx, local_addr=(source, 0)),
                timeout=hold_s,
            )
        except (OSError, ssl.SSLError, TimeoutError):
            refused_at_connect += 1  # closed before it was even open (TLS included)
            return
        start = time.monotonic()  # the studio's limits count from here, so does this
        opened[kind] += 1
        try:
            if kind == "websocket_silent":
                writer.write(
                    b"GET /signal HTTP/1.1\r\nHost: studio\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    b"Sec-WebSocket-Version: 13\r\n\r\n"
                )
            elif kind == "slow_headers":
                writer.write(b"GET /signal HTTP/1.1\r\n")
            deadline = start + hold_s
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    still_open += 1
                    return
                try:
                    data = await asyncio.wait_for(reader.read(4096), timeout=min(1.0, left))
                except TimeoutError:
                    if kind == "slow_headers":
                        writer.write(b"X-Slow: 1\r\n")  # one header a second, never done
                    continue
                if not data:
                    closed_after.append(time.monotonic() - start)
                    return
        except (OSError, ssl.SSLError):
            closed_after.append(time.monotonic() - start)
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    tasks = []
    for i in range(plan.idle):
        tasks.append(
            asyncio.create_task(hold(kinds[i % len(kinds)], IDLE_SOURCES[i % len(IDLE_SOURCES)]))
        )
        if i % 50 == 49:
            await asyncio.sleep(0.02)  # a burst, not one SYN flood the kernel drops
    await asyncio.gather(*tasks)
    closed_after.sort()
    return {
        "connections": plan.idle,
        "opened": dict(opened),
        "closed_at_connect": refused_at_connect,
        "closed_by_studio_after_opening": len(closed_after),
        "still_open_after_s": {"hold_s": hold_s, "count": still_open},
        "closed_after_s_p50": round(closed_after[len(closed_after) // 2], 2)
        if closed_after
        else None,
        "closed_after_s_max": round(closed_after[-1], 2) if closed_after else None,
    }


def attacker_main(argv: list[str]) -> int:
    plan = AttackPlan(**json.loads(argv[1]))
    phase = argv[0]
    result = asyncio.run(attack_signaling(plan) if phase == "signaling" else attack_idle(plan))
    print(json.dumps(result))
    return 0


# ---- the harness (this process) ------------------------------------------------------------


@dataclass
class PhaseFigures:
    name: str
    join_s: list[float] = field(default_factory=list)
    fps: dict[str, list[float]] = field(default_factory=dict)
    journal_bytes: int = 0
    rss_mib: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        fps = {v: round(statistics.median(s), 1) for v, s in self.fps.items() if s}
        lowest = {v: round(min(s), 1) for v, s in self.fps.items() if s}
        return {
            "other_venues_program_fps_min": lowest,
            "legit_join_s": [round(j, 3) for j in self.join_s],
            "legit_join_s_max": round(max(self.join_s), 3) if self.join_s else None,
            "other_venues_program_fps_median": fps,
            "journal_growth_bytes": self.journal_bytes,
            "studio_rss_mib": self.rss_mib,
            **self.extra,
        }


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out: Path = args.out
        self.sheet = runsheet_files.load(Paths.default().sample_runsheet())
        self.port = free_port()
        self.journal = self.out / "journal.jsonl"
        self.log_path = self.out / "logs" / "studio.log"
        self.studio: subprocess.Popen[bytes] | None = None
        self.links: dict[str, Any] = {}
        self.phases: list[PhaseFigures] = []

    def invite(self, venue_id: str, expires_in: float = 3600.0) -> Invite:
        return self.identity.invite(
            self.sheet, venue_id, [f"{LOOPBACK}:{self.port}"], time.time() + expires_in
        )

    async def start_studio(self) -> None:
        from media.identity import ensure_identity

        make_private_dir(self.out)
        self.journal.unlink(missing_ok=True)
        self.identity = ensure_identity(self.out / "studio", [LOOPBACK])
        log_file = open_private(self.log_path, append=False)
        self.studio = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "launcher.cli",
                "studio",
                "--headless",
                "--runsheet",
                str(Paths.default().sample_runsheet()),
                "--host",
                LOOPBACK,
                "--port",
                str(self.port),
                "--journal",
                str(self.journal),
                "--data-dir",
                str(self.out / "studio"),
                "--no-record",
                "--ice-address",
                LOOPBACK,
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        log_file.close()
        deadline = time.monotonic() + 60
        while b"studio ready" not in self.log_path.read_bytes():
            if self.studio.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the studio did not start; see {self.log_path}")
            await asyncio.sleep(0.2)

    def make_link(self, venue_id: str) -> Any:
        from media.program import VideoFormat
        from media.sources import PacedVideoTrack, TestPattern
        from media.venue import VenueConfig, VenueLink

        small = VideoFormat(160, 96, 10)
        invite = self.invite(venue_id)
        return VenueLink(
            invite,
            VenueConfig(program_sound=False),
            lambda: PacedVideoTrack(TestPattern(invite.venue_name, 160, 96), small.fps),
            None,
        )

    async def join(
        self, venue_id: str, timeout: float = 15.0
    ) -> tuple[Any, float, asyncio.Task[Any]]:
        from media.venue import LinkState, LinkStateChanged

        link = self.make_link(venue_id)
        connected = asyncio.Event()
        link.subscribe(
            lambda e: (
                connected.set()
                if isinstance(e, LinkStateChanged) and e.state is LinkState.CONNECTED
                else None
            )
        )
        started = time.monotonic()
        task = asyncio.create_task(link.run())
        await asyncio.wait_for(connected.wait(), timeout)
        return link, time.monotonic() - started, task

    async def probe(self, figures: PhaseFigures) -> None:
        """A legitimate venue joins (join time), then leaves."""
        venue_id = self.sheet.venues[4].id
        try:
            link, took, task = await self.join(venue_id, timeout=10.0)
        except TimeoutError:
            figures.join_s.append(float("inf"))
            return
        figures.join_s.append(took)
        link.stop()
        await asyncio.wait_for(task, timeout=10)

    async def watch(self, figures: PhaseFigures, until: asyncio.Event, probe_every: float) -> None:
        """Sample the other venues' program fps every second; probe a join now and then."""
        next_probe = time.monotonic()
        while not until.is_set():
            now = time.monotonic()
            for vid in self.others:
                figures.fps.setdefault(vid, []).append(self.links[vid].counters.program.rate(now))
            if now >= next_probe:
                await self.probe(figures)
                next_probe = time.monotonic() + probe_every
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), timeout=1.0)

    async def run_phase(self, name: str, work: Any, probe_every: float = 3.0) -> PhaseFigures:
        figures = PhaseFigures(name)
        size_before = self.journal.stat().st_size
        assert self.studio is not None
        cpu_before, wall_before = _cpu_s(self.studio.pid), time.monotonic()
        done = asyncio.Event()
        watcher = asyncio.create_task(self.watch(figures, done, probe_every))
        try:
            figures.extra.update(await work)
        finally:
            done.set()
            await watcher
        figures.journal_bytes = self.journal.stat().st_size - size_before
        figures.rss_mib = _rss_mib(self.studio.pid)
        figures.extra["studio_cpu_pct_of_one_core"] = round(
            100 * (_cpu_s(self.studio.pid) - cpu_before) / (time.monotonic() - wall_before), 1
        )
        figures.extra["load_average_1min"] = os.getloadavg()[0]
        self.phases.append(figures)
        print(f"phase {name}: {json.dumps(figures.summary())[:400]}", file=sys.stderr)
        return figures

    async def attacker(self, phase: str, plan: AttackPlan) -> dict[str, Any]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "launcher.bench_abuse",
            phase,
            json.dumps(plan.__dict__),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await proc.communicate()
        return {"attack": json.loads(out.decode().strip().splitlines()[-1])}

    async def flood(self, rate: float, seconds: float) -> dict[str, Any]:
        """The flooding venue sends junk at `rate` messages a second on its control channel."""
        from media.venue import LinkState

        link = self.links[self.flooder]
        control = link._control
        assert control is not None
        channel = control.channel
        sctp = channel.transport
        messages: list[str | bytes | tuple[int, bytes]] = [
            "{",
            "[" * 3000 + "]" * 3000,
            b"\x00\xff binary junk",
            (51, b"\xff\xfe not utf-8 in a text message"),
            '{"type":"operator","action":"go"}',
            '{"type":"welcome","studio":"x","ceremony_id":"c","ceremony_title":"t",'
            '"venue_id":"v","venue_name":"n"}',
            '{"type":"arm","arm_id":1,"fire_at":1.0}',
            '{"type":"cue","cue_id":1,"text":"forged cue"}',
            '{"type":"fire_report","arm_id":77,"local_deadline":1,"local_fire":1,"bound_s":0}',
            '{"type":"arm_ack","arm_id":77,"state":"armed"}',
            '{"type":"arm_ack","arm_id":77,"state":"<script>"}',
            '{"type":"ready","ready":true,"contact":"' + "c" * 5000 + '"}',
            '{"type":"stats","program_fps":1,"program_frames":1,"audio_frames":1,'
            '"video_fps_sent":1,"video_frames_sent":1,"reconnects":0,"sound_problem":"'
            + "s" * 5000
            + '"}',
            '{"type":"chat","text":"flood"}',
            '{"type":"ready","ready":true,"contact":"crew"}',
            '{"type":"heartbeat","seq":1,"v":7}',
        ]
        reconnects_before = link.counters.reconnects
        sent = 0
        started = time.monotonic()
        tick = 0.01
        per_tick = max(1, round(rate * tick))
        cycle = itertools.cycle(messages)
        while time.monotonic() - started < seconds:
            for _ in range(per_tick):
                item = next(cycle)
                if isinstance(item, tuple):
                    assert channel.id is not None
                    await sctp._send(channel.id, item[0], item[1])
                else:
                    channel.send(item)
                sent += 1
            await asyncio.sleep(tick)
        took = time.monotonic() - started
        # The session must still be the same one, alive, past the 3 s liveness horizon.
        await asyncio.sleep(3.5)
        alive = (
            link.state is LinkState.CONNECTED
            and link.counters.reconnects == reconnects_before
            and not link.liveness.is_lost(time.monotonic())
        )
        return {
            "flood": {
                "messages": sent,
                "seconds": round(took, 1),
                "rate_per_s": round(sent / took, 1),
                "kinds": len(messages),
                "flooding_venue_session_survived": alive,
                "flooding_venue_reconnects": link.counters.reconnects - reconnects_before,
            }
        }

    async def settle(self, baseline_fds: int, timeout: float = 30.0) -> dict[str, Any]:
        """Wait until the strangers' connections are gone from the studio, then a few seconds."""
        assert self.studio is not None
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if _open_fds(self.studio.pid) <= baseline_fds + 8:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(3.0)
        return {"settled_after_s": round(time.monotonic() - started, 1)}

    async def run(self) -> dict[str, Any]:
        from media.aiortc_compat import count_only_video
        from media.ice import pin_host_addresses

        pin_host_addresses([LOOPBACK])
        count_only_video()
        await self.start_studio()
        assert self.studio is not None
        venues = [v.id for v in self.sheet.venues]
        self.others = venues[: self.args.other_venues]
        self.flooder = venues[self.args.other_venues]
        tasks = []
        for vid in [*self.others, self.flooder]:
            link, _took, task = await self.join(vid)
            self.links[vid] = link
            tasks.append(task)
        await asyncio.sleep(3.0)  # program flowing at every venue
        baseline_fds = _open_fds(self.studio.pid)
        base = await self.run_phase("baseline", _sleep_then({}, 6.0))
        rss_before = base.rss_mib
        leaked = self.invite(self.others[0])
        expired = self.invite(self.others[1], expires_in=-60)
        plan = AttackPlan(
            port=self.port,
            fingerprint=self.identity.certificate.fingerprint,
            leaked=msgspec.to_builtins(leaked),
            expired=msgspec.to_builtins(expired),
            count=self.args.inputs,
            idle=self.args.idle,
            concurrency=self.args.attack_concurrency,
        )
        size_at_attack = self.journal.stat().st_size
        sig = await self.run_phase("signaling", self.attacker("signaling", plan))
        await self.run_phase("idle", self.attacker("idle", plan))
        await self.run_phase(
            "flood", self.flood(self.args.flood_rate, self.args.flood_seconds), probe_every=2.0
        )
        settle = await self.settle(baseline_fds)
        after = await self.run_phase("after", _sleep_then(settle, 6.0))
        reconnects = {vid: self.links[vid].counters.reconnects for vid in self.others}
        for link in self.links.values():
            link.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        journal_before_stop = self.journal.stat().st_size
        self.studio.send_signal(signal.SIGTERM)
        try:
            self.studio.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.studio.kill()
        log_text = self.log_path.read_text(encoding="utf-8", errors="replace")
        notes = _journal_notes(self.journal)
        summaries = [n for n in notes if n.get("type") == "signaling_summary"]
        abuse_bytes = _abuse_bytes(self.journal, self.flooder)
        studio_counts: Counter[str] = Counter()
        for note in summaries:
            studio_counts.update(note["kinds"])
        attack = sig.extra["attack"]
        bad_outcomes = {
            k: n
            for k, n in attack["outcomes"].items()
            if not (k.startswith("refused:") or k == "closed_by_studio" or k.startswith("http_4"))
        }
        limits = SignalingLimits()
        growth = self.journal.stat().st_size - size_at_attack
        return {
            "bench": "abuse",
            "date": time.strftime("%Y-%m-%d"),
            "machine": "2 cores, 24 GiB (shared)",
            "tracebacks_in_studio_log": log_text.count("Traceback"),
            "studio_log_lines": log_text.count("\n"),
            "signaling_inputs": attack["inputs"],
            "signaling_input_kinds": attack["kinds"],
            "inputs_not_refused_or_closed": bad_outcomes,
            "legit_join_s_max_by_phase": {
                p.name: p.summary()["legit_join_s_max"] for p in self.phases
            },
            "other_venues_fps_by_phase": {
                p.name: p.summary()["other_venues_program_fps_median"] for p in self.phases
            },
            "other_venues_fps_min_by_phase": {
                p.name: p.summary()["other_venues_program_fps_min"] for p in self.phases
            },
            "other_venues_reconnects": reconnects,
            "studio_rss_mib": {"before": rss_before, "after": after.rss_mib},
            "studio_rss_growth_pct": round(100 * (after.rss_mib - rss_before) / rss_before, 1)
            if rss_before and after.rss_mib
            else None,
            "journal_growth_bytes_by_phase": {p.name: p.journal_bytes for p in self.phases},
            "journal_bytes_at_end": self.journal.stat().st_size,
            "journal_bytes_written_at_stop": self.journal.stat().st_size - journal_before_stop,
            "journal_growth_bytes_total": growth,
            "journal_bound": {
                "summary_note_max_bytes": limits.journal_bound_bytes(),
                "summaries_per_minute": 60 / limits.summary_s,
                "summary_notes_written": len(summaries),
                "journaled_by_name": sum(1 for n in notes if n.get("type") == "join_refused"),
                "bytes_from_strangers_and_flood": abuse_bytes,
            },
            "studio_counted": dict(studio_counts.most_common()),
            "studio_cpu_pct_by_phase": {
                p.name: p.extra["studio_cpu_pct_of_one_core"] for p in self.phases
            },
            "load_average_by_phase": {p.name: p.extra["load_average_1min"] for p in self.phases},
            "signaling_inputs_per_s": round(attack["inputs"] / attack["seconds"], 1),
            "flood": self.phases[3].extra["flood"],
            "idle": self.phases[2].extra["attack"],
            "phases": {p.name: p.summary() for p in self.phases},
        }


async def _sleep_then(result: dict[str, Any], seconds: float) -> dict[str, Any]:
    await asyncio.sleep(seconds)
    return result


def _abuse_bytes(path: Path, flooder: str) -> dict[str, int]:
    """Journal bytes the abuse caused: signaling summaries, refusals of genuine tokens, and
    whatever the flooding venue got recorded (ready, chat, countdown answers)."""
    out: Counter[str] = Counter()
    for line in path.read_bytes().splitlines():
        with contextlib.suppress(ValueError):
            payload = json.loads(line).get("payload")
            if not isinstance(payload, dict):
                continue
            kind = payload.get("type")
            if kind == "signaling_summary":
                out["signaling_summaries"] += len(line) + 1
            elif kind == "join_refused":
                out["refusals_of_genuine_tokens"] += len(line) + 1
            elif kind in ("chat_from", "venue_ready") and payload.get("venue") == flooder:
                out["flooding_venue_chat_ready"] += len(line) + 1
            elif kind in ("countdown_ack", "fire_reported") and payload.get("venue") == flooder:
                out["flooding_venue_countdown"] += len(line) + 1
    return dict(out)


def _journal_notes(path: Path) -> list[dict[str, Any]]:
    notes = []
    for line in path.read_bytes().splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            payload = record.get("payload")
            if isinstance(payload, dict):
                notes.append(payload)
    return notes


def main(args: argparse.Namespace) -> int:
    result = asyncio.run(Harness(args).run())
    make_private_dir(args.out)
    (args.out / "abuse.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"tracebacks {result['tracebacks_in_studio_log']}, inputs "
            f"{result['signaling_inputs']} ({result['signaling_input_kinds']} kinds), not "
            f"refused/closed {result['inputs_not_refused_or_closed']}, join max "
            f"{result['legit_join_s_max_by_phase']}, RSS {result['studio_rss_mib']}"
        )
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inputs", type=int, default=5000, help="malformed signaling inputs")
    p.add_argument("--idle", type=int, default=1000, help="idle connections")
    p.add_argument("--flood-rate", type=float, default=600.0, help="messages a second")
    p.add_argument("--flood-seconds", type=float, default=10.0)
    p.add_argument("--other-venues", type=int, default=3)
    p.add_argument(
        "--attack-concurrency", type=int, default=48, help="signaling inputs in flight at once"
    )
    p.add_argument("--out", type=Path, default=Path("bench-out/abuse"))
    p.add_argument("--json", action="store_true")


if __name__ == "__main__":
    sys.exit(attacker_main(sys.argv[1:]))
