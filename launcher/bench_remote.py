"""`ceremony bench remote`: the remote-control surfaces against a live studio, as JSON.

Three runs of the compressed sample ceremony with real venue processes:
1. **http** — first, with the ceremony not yet started: the venues' program rate and the
   countdown spread, quiet and then under a request loop from another process (`--rate`
   requests/s for `--load-s` s), measured side by side; 1,000 bad requests (bad tokens, unknown
   paths, bad numbers, oversized query strings) and whether they changed anything; then the
   whole ceremony driven through HTTP alone.
2. **osc** — the same ceremony driven through OSC alone (GO, HOLD, RESUME, ARM), each
   command's feedback timed at a listener.
3. **keyboard** — the same ceremony driven by the console's own calls (the reference).
The runs' as-run structure (items in the order they ran, how each started, countdowns fired)
must be equal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket

from ceremony import operator as op
from ceremony.journal import RecordKind
from ceremony.notes import CountdownArmed, decode_note
from ceremony.runsheet import Runsheet
from launcher.demo import LOOPBACK, Demo, DemoOptions, SimOptions, countdown_result
from launcher.paths import Paths
from media import runsheet_files
from media.journal_reader import read_journal
from media.remote.service import RemoteConfig, RemoteControl
from media.studio import StudioEngine

CEREMONY_S = 40.0
COUNTDOWN_LEAD_S = 6.0
SETTLE_S = 8.0
MEASUREMENT_TITLES = ("quiet", "under load")  # countdowns armed to measure, not the ceremony's

Send = Callable[[str, list[Any]], Awaitable[None]]


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


class Feedback(asyncio.DatagramProtocol):
    """An OSC panel: keeps the newest value of every feedback path, with when it arrived."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[Any, float]] = {}
        self.changed = asyncio.Event()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        now = time.monotonic()
        for timed in OscPacket(data).messages:
            params = list(timed.message.params)
            self.values[timed.message.address] = (params[0] if len(params) == 1 else params, now)
        self.changed.set()

    async def wait(self, path: str, accept: Callable[[Any], bool], timeout: float = 5.0) -> float:
        """When `path` took a value `accept` likes (monotonic), waiting for it if need be."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.values.get(path)
            if value is not None and accept(value[0]):
                return value[1]
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no feedback on {path}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)


async def _drive(
    send: Send, state: Callable[[], Awaitable[op.StudioState]], say: Callable[[str], None]
) -> None:
    """The stand-in operator's rules, through a control surface: GO when a waiting item has
    used its time, ARM when the countdown item starts, one HOLD/RESUME on the second item."""
    armed_for: int | None = None
    held_once = False
    while True:
        st = await state()
        cur = st.current
        if st.status == "ended":
            return
        if st.status == "ready":
            await send("go", [])
        elif cur is not None and cur.kind == "countdown":
            cd = st.countdown
            if armed_for != cur.index:
                armed_for = cur.index
                await send("arm", [COUNTDOWN_LEAD_S])
            elif cd.phase is op.CountdownPhase.FIRED and cur.waits and st.remaining_s <= 0:
                await asyncio.sleep(1.5)  # the venues' fire reports come in
                await send("go", [])
        elif cur is not None and cur.index == 2 and not held_once and st.status == "running":
            held_once = True
            await send("hold", [])
            await asyncio.sleep(0.5)
            await send("resume", [])
        elif cur is not None and cur.waits and st.remaining_s <= 0 and not st.held:
            await send("go", [])
        await asyncio.sleep(0.1)
        say(f"  {st.status} item {cur.index if cur else '-'} {st.remaining_s:6.1f} s left")


def _structure(journal: Path) -> dict[str, Any]:
    """What an as-run report is made of, without the times: comparable across runs."""
    records = read_journal(journal).records
    started = [
        (r.payload["item_id"], r.payload["cause"])
        for r in records
        if r.kind is RecordKind.EVENT and r.payload.get("type") == "item_started"
    ]
    notes = [decode_note(r.payload) for r in records if r.kind is RecordKind.NOTE]
    return {
        "items_started": started,
        "ended": any(
            r.kind is RecordKind.EVENT and r.payload.get("type") == "ceremony_ended"
            for r in records
        ),
        "holds": sum(
            1 for r in records if r.kind is RecordKind.EVENT and r.payload.get("type") == "held"
        ),
        "countdowns_armed": sum(
            1 for n in notes if isinstance(n, CountdownArmed) and n.title not in MEASUREMENT_TITLES
        ),
    }


class RemoteBench:
    def __init__(self, args: argparse.Namespace, stream: Any) -> None:
        self.args = args
        self.stream = stream
        self.sheet = runsheet_files.load(Paths.default().sample_runsheet())

    def _demo(self, name: str) -> Demo:
        options = DemoOptions(
            venues=self.args.venues,
            duration_s=CEREMONY_S,
            out=self.args.out / name,
            sim=SimOptions(seed=random.randrange(1 << 30)),
            countdown_lead_s=COUNTDOWN_LEAD_S,
        )
        return Demo(self.sheet, options, self.stream)

    async def _start_remote(
        self, engine: StudioEngine, name: str
    ) -> tuple[RemoteControl, Feedback]:
        loop = asyncio.get_running_loop()
        feedback = Feedback()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: feedback, local_addr=(LOOPBACK, 0)
        )
        port = transport.get_extra_info("sockname")[1]
        control = RemoteControl(
            engine,
            RemoteConfig(
                http=(LOOPBACK, 0),
                osc=(LOOPBACK, 0),
                osc_feedback=((LOOPBACK, port),),
                folder=self.args.out / name / "control",
            ),
        )
        await control.start()
        return control, feedback

    # ---- run 1: HTTP ------------------------------------------------------------------------

    def http_run(self) -> dict[str, Any]:
        demo = self._demo("http")
        out: dict[str, Any] = {}

        async def body(engine: StudioEngine, _sheet: Runsheet) -> dict[str, Any]:
            control, _ = await self._start_remote(engine, "http")
            assert control.http is not None
            base = f"http://{LOOPBACK}:{control.http.port}"
            headers = {"X-Ceremony-Token": control.token}
            async with aiohttp.ClientSession(headers=headers) as session:
                await asyncio.sleep(5.0)  # joins settle, estimators warm up
                out["quiet"] = await self._measure(demo, engine, None)
                out["loaded"] = await self._measure(demo, engine, (base, control.token))
                out["bad_requests"] = await self._bad_requests(session, base, engine, demo)

                async def send(word: str, args: list[Any]) -> None:
                    path = f"/api/{word}" + "".join(f"/{a:g}" for a in args)
                    async with session.get(base + path) as response:
                        await response.read()
                        out.setdefault("drive_status", {}).setdefault(str(response.status), 0)
                        out["drive_status"][str(response.status)] += 1

                async def state() -> op.StudioState:
                    async with session.get(base + "/api/state") as response:
                        return msgspec.json.decode(await response.read(), type=op.StudioState)

                demo.say("driving the ceremony through HTTP")
                await _drive(send, state, lambda _t: None)
                await asyncio.sleep(SETTLE_S / 4)
            await control.stop()
            return {}

        asyncio.run(demo.run(body))
        out["structure"] = _structure(self.args.out / "http" / "journal.jsonl")
        return out

    async def _measure(
        self, demo: Demo, engine: StudioEngine, load: tuple[str, str] | None
    ) -> dict[str, Any]:
        """The venues' program rate each second, and countdowns armed back to back, while a
        request loop runs in another process (or not)."""
        what = "under load" if load else "quiet"
        demo.say(f"measuring {what} for {self.args.load_s:.0f} s")
        proc = None
        if load is not None:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "launcher.bench_remote",
                load[0],
                load[1],
                str(self.args.rate),
                str(self.args.load_s),
                stdout=asyncio.subprocess.PIPE,
            )
        lowest: list[float] = []
        spreads: list[float] = []
        cd = engine.countdown
        measured: set[int] = {cd.arm_id} if cd.fire_at is not None else set()  # the last phase's
        end = time.monotonic() + self.args.load_s
        next_arm = time.monotonic() + 1.0
        while time.monotonic() < end:
            await asyncio.sleep(1.0)
            snap = engine.snapshot()
            rates = [
                float(v["program_fps_at_venue"]) if v["status"] == "joined" else 0.0
                for v in snap["venues"]  # type: ignore[attr-defined]
            ]
            lowest.append(min(rates) if rates else 0.0)
            cd = engine.countdown
            pending = cd.fire_at is not None and cd.arm_id not in measured
            reported = all(v.fired_true is not None for v in cd.venues.values())
            if (
                pending
                and cd.fire_at is not None
                and time.monotonic() > cd.fire_at + (1.0 if reported else 5.0)
            ):
                measured.add(cd.arm_id)
                pending = False
                result = countdown_result(engine, demo.sim)
                if result and result["spread_ms"] is not None:
                    spreads.append(result["spread_ms"])
            if not pending and time.monotonic() >= next_arm and end - time.monotonic() > 12:
                engine.arm_countdown(COUNTDOWN_LEAD_S, list(engine.venues), title=what)
                next_arm = time.monotonic() + COUNTDOWN_LEAD_S + 2
        load_result: dict[str, Any] | None = None
        if proc is not None:
            stdout, _ = await asyncio.wait_for(proc.communicate(), 60)
            text = stdout.decode().strip()
            load_result = json.loads(text.splitlines()[-1]) if text else None
        return {
            "program_fps_lowest_venue": {
                "median": round(statistics.median(lowest), 2) if lowest else None,
                "min": min(lowest) if lowest else None,
            },
            "countdown_spread_ms": spreads,
            "countdown_spread_ms_median": round(statistics.median(spreads), 3) if spreads else None,
            "load": load_result,
        }

    async def _bad_requests(
        self, session: aiohttp.ClientSession, base: str, engine: StudioEngine, demo: Demo
    ) -> dict[str, Any]:
        demo.say("1,000 bad requests")
        before = engine.desk.sequencer.snapshot()
        journal_before = engine.journal_path.stat().st_size
        kinds = [
            ("bad_token", "/api/go", {"X-Ceremony-Token": "wrong"}),
            ("no_token", "/api/hold", {"X-Ceremony-Token": ""}),
            ("unknown_path", "/api/launch", None),
            ("bad_number", "/api/addtime/abc", None),
            ("bad_number", "/api/arm/-3", None),
            ("bad_venue", "/api/take/999", None),
            ("oversized_query", "/api/message?text=" + "x" * 9000, None),
            ("too_long_text", "/api/message?text=" + "x" * 600, None),
        ]
        counts: dict[str, dict[str, int]] = {}
        for n in range(1000):
            kind, path, headers = kinds[n % len(kinds)]
            async with session.get(base + path, headers=headers) as response:
                await response.read()
                per = counts.setdefault(kind, {})
                per[str(response.status)] = per.get(str(response.status), 0) + 1
        return {
            "statuses": counts,
            "sequencer_unchanged": engine.desk.sequencer.snapshot() == before,
            "journal_grew_bytes": engine.journal_path.stat().st_size - journal_before,
        }

    # ---- run 2: OSC -------------------------------------------------------------------------

    def osc_run(self) -> dict[str, Any]:
        demo = self._demo("osc")
        latencies: dict[str, list[float]] = {}

        async def body(engine: StudioEngine, _sheet: Runsheet) -> dict[str, Any]:
            control, feedback = await self._start_remote(engine, "osc")
            assert control.osc is not None and control.osc.port is not None
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, remote_addr=(LOOPBACK, control.osc.port)
            )
            await asyncio.sleep(2.0)

            async def send(word: str, args: list[Any]) -> None:
                before = {p: v for p, (v, _t) in feedback.values.items()}
                builder = OscMessageBuilder(address=f"/studio/{word}")
                for a in args:
                    builder.add_arg(int(a))
                sent = time.monotonic()
                transport.sendto(builder.build().dgram)
                path, accept = {
                    "go": (
                        "/studio/state/item/index",
                        lambda v: v != before.get("/studio/state/item/index"),
                    ),
                    "hold": ("/studio/state/held", lambda v: v == 1),
                    "resume": ("/studio/state/held", lambda v: v == 0),
                    "arm": ("/studio/state/countdown/phase", lambda v: v == "armed"),
                }[word]
                try:
                    arrived = await feedback.wait(path, accept)
                except TimeoutError:
                    latencies.setdefault(word, []).append(float("inf"))
                    return
                latencies.setdefault(word, []).append(round((arrived - sent) * 1000, 2))

            async def state() -> op.StudioState:
                return control.desk.state()  # reading is not driving

            demo.say("driving the ceremony through OSC")
            await _drive(send, state, lambda _t: None)
            await asyncio.sleep(SETTLE_S / 4)
            transport.close()
            await control.stop()
            return {}

        asyncio.run(demo.run(body))
        every = [x for v in latencies.values() for x in v]
        return {
            "feedback_ms": {
                word: {"n": len(v), "median": _pct(v, 0.5), "max": max(v)}
                for word, v in latencies.items()
            },
            "feedback_ms_max": max(every) if every else None,
            "structure": _structure(self.args.out / "osc" / "journal.jsonl"),
        }

    # ---- run 3: the keyboard's own calls ----------------------------------------------------

    def keyboard_run(self) -> dict[str, Any]:
        demo = self._demo("keyboard")

        async def body(engine: StudioEngine, _sheet: Runsheet) -> dict[str, Any]:
            from ceremony.sequencer import commands as cmd

            async def send(word: str, args: list[Any]) -> None:
                if word == "arm":
                    engine.arm_countdown(float(args[0]))
                    return
                words: dict[str, cmd.Command] = {
                    "go": cmd.Go(),
                    "hold": cmd.Hold(),
                    "resume": cmd.Resume(),
                }
                engine.command(words[word])

            desk = RemoteControl(engine, RemoteConfig()).desk  # state only: no listener opened

            async def state() -> op.StudioState:
                return desk.state()

            demo.say("driving the ceremony with the console's calls")
            await _drive(send, state, lambda _t: None)
            await asyncio.sleep(SETTLE_S / 4)
            return {}

        asyncio.run(demo.run(body))
        return {"structure": _structure(self.args.out / "keyboard" / "journal.jsonl")}


def main(args: argparse.Namespace) -> int:
    stream = sys.stderr if args.json else sys.stdout
    bench = RemoteBench(args, stream)
    http = bench.http_run()
    osc = bench.osc_run()
    keyboard = bench.keyboard_run()
    quiet, loaded = http["quiet"], http["loaded"]
    result = {
        "bench": "remote",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "venues": args.venues,
        "load": {"rate_per_s": args.rate, "duration_s": args.load_s, "path": "/api/state"},
        "http": http,
        "osc": osc,
        "keyboard": keyboard,
        "same_structure": {
            "http_vs_keyboard": http["structure"] == keyboard["structure"],
            "osc_vs_keyboard": osc["structure"] == keyboard["structure"],
        },
        "load_effect": {
            "program_fps_lowest_median": [
                quiet["program_fps_lowest_venue"]["median"],
                loaded["program_fps_lowest_venue"]["median"],
            ],
            "countdown_spread_ms_median": [
                quiet["countdown_spread_ms_median"],
                loaded["countdown_spread_ms_median"],
            ],
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "remote.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


# ---- the request loop, in its own process (its cost must not land on the engine's) ---------


async def _load(base: str, token: str, rate: float, duration: float) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    interval = 1.0 / rate
    start = time.monotonic()
    sent = 0
    async with aiohttp.ClientSession(headers={"X-Ceremony-Token": token}) as session:

        async def one() -> None:
            t0 = time.monotonic()
            try:
                async with session.get(base + "/api/state") as response:
                    await response.read()
                    key = str(response.status)
            except aiohttp.ClientError:
                key = "error"
            statuses[key] = statuses.get(key, 0) + 1
            latencies.append((time.monotonic() - t0) * 1000)

        tasks: set[asyncio.Task[None]] = set()
        while time.monotonic() - start < duration:
            task = asyncio.create_task(one())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
            await asyncio.sleep(max(0.0, start + sent * interval - time.monotonic()))
        await asyncio.gather(*tasks)
    wall = time.monotonic() - start
    return {
        "sent": sent,
        "achieved_per_s": round(sent / wall, 1),
        "statuses": statuses,
        "latency_ms": {"p50": _pct(latencies, 0.5), "p95": _pct(latencies, 0.95)},
    }


if __name__ == "__main__":
    base_url, tok, rate_s, duration_s = sys.argv[1:5]
    print(json.dumps(asyncio.run(_load(base_url, tok, float(rate_s), float(duration_s)))))
