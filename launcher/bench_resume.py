"""`ceremony bench resume`: the studio engine SIGKILLed mid-speech and started again.

Everything is real and from outside, as on the day: `ceremony studio --headless` in its own
process (driven through its HTTP control API, as a Companion panel would), N venue processes
(`ceremony venue --headless`, reporting true fire times on the host's shared clock), the studio's
journal and recordings read from disk. The run:

1. the venues join; GO; the speech starts; a countdown is armed (lead `--lead` s);
2. once every venue has acknowledged it, the engine is SIGKILLed and started again at once: the
   countdown reaches zero while it is down (or just after), at the venues, on their own;
3. measured: how long after the restart every venue is joined again, whether the sequencer is at
   the same item with its original start, whether every journal line written before the kill is
   still there (byte for byte), whether every venue's fire report reached the journal after the
   restart and fired within its bound, and whether both recording parts decode end to end
   (frames counted with PyAV).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ceremony import notes as n
from ceremony.journal import RecordKind
from ceremony.resume import resume
from media.journal_reader import read_journal
from media.private_files import make_private_dir, open_private, write_private

if TYPE_CHECKING:
    from launcher.demo import VenueProcess

LOOPBACK = "127.0.0.1"
CEREMONY = "uji-pulih"
VENUE_VIDEO = "160x96@10"  # small: eleven venue processes share the studio's two cores


def sheet_text(venues: int) -> str:
    rows = "\n".join(
        f"  - {{id: lokasi-{i:02d}, name: MPP Lokasi {i:02d}, region: Uji}}"
        for i in range(1, venues + 1)
    )
    return f"""\
version: 1
ceremony:
  id: {CEREMONY}
  title: Uji Pemulihan Studio
  date: "2026-12-20"
  timezone: Asia/Jakarta
  studio: Studio Uji
venues:
{rows}
items:
  - {{id: buka, kind: opening, title: Pembukaan, source: studio, duration: "3", end_action: auto}}
  - id: sambutan
    kind: speech
    title: Sambutan Menteri
    source: studio
    duration: "10:00"
    speaker: {{name: Menteri, role: Menteri PANRB}}
  - {{id: tutup, kind: closing, title: Penutupan, source: studio, duration: "1:00"}}
"""


@dataclass
class Studio:
    """One life of the engine process; its output lines kept with their arrival time."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[str] | None = None
    lines: list[tuple[float, str]] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    async def start(self) -> float:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "launcher.cli", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            text=True,
        )
        started = time.monotonic()
        self._reader = asyncio.create_task(self._read())
        return started

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        with open_private(self.log_path) as log:
            while True:
                line = await asyncio.to_thread(out.readline)
                if not line:
                    break
                self.lines.append((time.monotonic(), line))
                log.write(line.encode())
                log.flush()

    async def wait_line(self, pattern: str, timeout: float, since: int = 0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in self.lines[since:]:
                if re.search(pattern, line):
                    return at
            if self.proc is not None and self.proc.poll() is not None and self._reader:
                await asyncio.wait([self._reader], timeout=1)
                if not any(re.search(pattern, line) for _, line in self.lines[since:]):
                    raise RuntimeError(f"the studio exited; see {self.log_path}")
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no {pattern!r} from the studio within {timeout} s")

    def joined_since(self, since: int) -> dict[str, float]:
        out: dict[str, float] = {}
        for at, line in self.lines[since:]:
            m = re.match(r"venue (\S+): joined", line)
            if m and m.group(1) not in out:
                out[m.group(1)] = at
        return out

    async def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(self.proc.wait, timeout)
        if self.proc.poll() is None:
            self.proc.kill()
            await asyncio.to_thread(self.proc.wait, 10)
        if self._reader is not None:
            await asyncio.wait([self._reader], timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def count_frames(path: Path) -> dict[str, Any]:
    """Decode a recording end to end: video frames, seconds, and the first error if any."""
    import av

    frames, last_s, error = 0, 0.0, None
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                frames += 1
                if frame.time is not None:
                    last_s = float(frame.time)
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        error = str(exc)
    return {"file": path.name, "frames": frames, "seconds": round(last_s, 2), "error": error}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from launcher.demo import free_port

        self.args = args
        self.out: Path = args.out.resolve()
        self.home = self.out / "home"
        self.port = free_port()
        self.http_port = free_port()
        self.journal = self.out / "journal.jsonl"
        self.venues: dict[str, VenueProcess] = {}
        self.token = ""

    def studio(self, life: int) -> Studio:
        env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES")}
        env.update(CEREMONY_HOME=str(self.home), PYTHONUNBUFFERED="1")
        args = [
            "studio",
            "--headless",
            "--rehearsal",
            "--runsheet",
            str(self.out / "sheet.yaml"),
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--ice-address",
            LOOPBACK,
            "--journal",
            str(self.journal),
            "--record-dir",
            str(self.out / "recordings"),
            "--control-http",
            f"{LOOPBACK}:{self.http_port}",
        ]
        return Studio(args, env, self.out / "logs" / f"studio-{life}.log")

    def prepare(self) -> None:
        from launcher.demo import VenueProcess
        from media import runsheet_files
        from media.identity import ensure_identity
        from media.program import VideoFormat

        make_private_dir(self.out)
        for stale in (self.journal, self.journal.with_suffix(".lock")):
            stale.unlink(missing_ok=True)
        if (self.out / "recordings").is_dir():
            for old in (self.out / "recordings").rglob("*.mkv"):
                old.unlink()
        (self.out / "sheet.yaml").write_text(sheet_text(self.args.venues), encoding="utf-8")
        sheet = runsheet_files.load(self.out / "sheet.yaml")
        identity = ensure_identity(self.home / "data" / "studio", [LOOPBACK])
        for venue in sheet.venues:
            invite = identity.invite(
                sheet, venue.id, [f"{LOOPBACK}:{self.port}"], time.time() + 3600
            )
            path = self.out / "invites" / f"{venue.id}.invite.txt"
            write_private(path, (invite.to_string() + "\n").encode())
            self.venues[venue.id] = VenueProcess(
                venue.id,
                path,
                self.out / "logs" / f"{venue.id}.log",
                VideoFormat.parse(VENUE_VIDEO),
                ["--sim-true-time"],
            )

    async def api(self, path: str) -> dict[str, Any]:
        import aiohttp

        if not self.token:
            from media.remote.endpoint import load_token

            self.token = load_token(self.home / "data" / "control")
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://{LOOPBACK}:{self.http_port}{path}",
                headers={"X-Ceremony-Token": self.token},
            ) as response,
        ):
            body: dict[str, Any] = await response.json()
            if response.status >= 300:
                raise RuntimeError(f"{path}: {response.status} {body}")
            return body

    def notes(self) -> list[tuple[int, n.Note | n.UnknownNote]]:
        read = read_journal(self.journal)
        return [
            (r.seq, n.decode_note(r.payload)) for r in read.records if r.kind is RecordKind.NOTE
        ]

    async def wait_for(self, check: Any, timeout: float, what: str) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return time.monotonic()
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{what} within {timeout} s")

    async def run(self) -> dict[str, Any]:
        self.prepare()
        n_venues = len(self.venues)
        first = self.studio(1)
        await first.start()
        await first.wait_line("studio ready", 90)
        for venue in self.venues.values():
            venue.spawn()
            await asyncio.sleep(0.35)  # eleven interpreters importing aiortc at once starve 2 cores
        await self.wait_for(
            lambda: len(first.joined_since(0)) == n_venues, 120, "all venues joined"
        )
        for venue in self.venues.values():
            venue.yield_cpu()
        await self.api("/api/go")
        # The opening runs 3 s and hands over to the speech by itself.
        await self.wait_for(
            lambda: resume(read_journal(self.journal).records).sequencer.state.current == 1,
            30,
            "the speech started",
        )
        await asyncio.sleep(self.args.speech_before_arm)
        await self.api(f"/api/arm/{self.args.lead:g}")

        def armed() -> n.CountdownArmed | None:
            found = [x for _, x in self.notes() if isinstance(x, n.CountdownArmed)]
            return found[-1] if found else None

        def acked() -> set[str]:
            cd = armed()
            return {
                x.venue
                for _, x in self.notes()
                if isinstance(x, n.CountdownAck)
                and cd is not None
                and x.arm_id == cd.arm_id
                and x.state == "armed"
            }

        await self.wait_for(lambda: len(acked()) == n_venues, self.args.lead, "every venue acked")
        arm = armed()
        assert arm is not None
        # The kill comes shortly before zero: the venues fire while no engine runs.
        await asyncio.sleep(max(0.0, arm.fire_at - self.args.kill_before_zero - time.monotonic()))
        before = self.journal.read_bytes()
        state_before = resume(read_journal(self.journal).records)
        killed = time.monotonic()
        assert first.proc is not None
        first.proc.send_signal(signal.SIGKILL)
        await first.stop(timeout=10)

        second = self.studio(2)
        restarted = await second.start()
        up = await second.wait_line("studio ready", 90)
        resumed_line = any("resuming run" in line for _, line in second.lines)
        await self.wait_for(
            lambda: len(second.joined_since(0)) == n_venues, 60, "all venues joined again"
        )
        joined = second.joined_since(0)
        after = self.journal.read_bytes()

        def fired_after_restart() -> dict[str, n.FireReported]:
            seen_resume = False
            out: dict[str, n.FireReported] = {}
            for _, x in self.notes():
                seen_resume = seen_resume or isinstance(x, n.EngineResumed)
                if seen_resume and isinstance(x, n.FireReported) and x.arm_id == arm.arm_id:
                    out.setdefault(x.venue, x)
            return out

        with contextlib.suppress(TimeoutError):
            await self.wait_for(lambda: len(fired_after_restart()) == n_venues, 20, "reports")
        reports = fired_after_restart()
        all_reports = [
            x for _, x in self.notes() if isinstance(x, n.FireReported) and x.arm_id == arm.arm_id
        ]
        state_after = resume(read_journal(self.journal).records)
        await asyncio.sleep(self.args.after_s)  # part 2 gets some length
        for venue in self.venues.values():
            venue.stop()
        await second.stop(signal.SIGTERM)

        read = read_journal(self.journal)
        closed = [
            x for _, x in self.notes() if isinstance(x, n.RecordingClosed) and x.venue is None
        ]
        fires: list[dict[str, Any]] = []
        for vid, rep in sorted(reports.items()):
            err_ms = (rep.true_fire - arm.fire_at) * 1000 if rep.true_fire is not None else None
            bound_ms = (rep.bound_s or 0.0) * 1000
            late_ms = (rep.fire_late_s or 0.0) * 1000
            fires.append(
                {
                    "venue": vid,
                    "error_ms": round(err_ms, 3) if err_ms is not None else None,
                    "bound_ms": round(bound_ms, 3),
                    "late_ms": round(late_ms, 3),
                    "within_bound": err_ms is not None and abs(err_ms) <= bound_ms + late_ms,
                    "fired_while_studio_down": rep.true_fire is not None
                    and killed <= rep.true_fire <= up,
                }
            )
        errors = [float(f["error_ms"]) for f in fires if f["error_ms"] is not None]
        before_lines = before.split(b"\n")[:-1]  # complete lines only
        after_lines = after.split(b"\n")
        sb, sa = state_before.sequencer.state, state_after.sequencer.state
        return {
            "venues": n_venues,
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "load_average_1min": round(os.getloadavg()[0], 2),  # the run's own load included
            "resumed_same_run": resumed_line and state_before.run.id == state_after.run.id,
            "run_id": state_after.run.id,
            "journal_problems": read.problems,
            "engine_down_s": round(up - killed, 2),  # killed until the new one is ready
            "restart_to_ready_s": round(up - restarted, 2),
            "rejoin_after_restart_s": {
                "max": round(max(joined.values()) - up, 2),
                "median": round(statistics.median(joined.values()) - up, 2),
                "all_within_10_s": max(joined.values()) - up <= 10.0,
            },
            "same_item": sb.current == sa.current,
            "item": sa.current,
            "item_start_kept": bool(sb.runs and sa.runs and sb.runs[-1] == sa.runs[-1]),
            "journal_lines_before_kill": len(before_lines),
            "journal_lines_lost": sum(
                1
                for i, line in enumerate(before_lines)
                if i >= len(after_lines) or after_lines[i] != line
            ),
            "countdown": {
                "arm_id": arm.arm_id,
                "lead_s": arm.lead_s,
                "zero_after_kill_s": round(arm.fire_at - killed, 2),
                "fired_while_studio_down": sum(f["fired_while_studio_down"] for f in fires),
                "fire_reports_after_restart": len(reports),
                "fire_reports_journaled": len(all_reports),  # resends are counted once
                "within_bound": sum(f["within_bound"] for f in fires),
                "spread_ms": round(max(errors) - min(errors), 3) if len(errors) > 1 else None,
                "fires": fires,
            },
            "recordings": [
                {"part": c.part, "repaired": c.repaired, **count_frames(Path(c.path))}
                for c in sorted(closed, key=lambda c: c.part)
            ],
        }


def main(args: argparse.Namespace) -> int:
    result = asyncio.run(Bench(args).run())
    make_private_dir(args.out)
    (args.out / "resume.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        cd = result["countdown"]
        print(
            f"rejoined ≤ {result['rejoin_after_restart_s']['max']} s after restart, same item "
            f"{result['same_item']}, lines lost {result['journal_lines_lost']}, fire reports "
            f"{cd['fire_reports_after_restart']}/{result['venues']}, recordings "
            + ", ".join(f"part {r['part']}: {r['frames']} frames" for r in result["recordings"])
        )
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--venues", type=int, default=11)
    p.add_argument("--lead", type=float, default=10.0, help="countdown lead time, s")
    p.add_argument(
        "--kill-before-zero", type=float, default=1.5, help="SIGKILL this long before zero, s"
    )
    p.add_argument("--speech-before-arm", type=float, default=3.0, help="s into the speech")
    p.add_argument("--after-s", type=float, default=5.0, help="s recorded after the reports")
    p.add_argument("--out", type=Path, default=Path("bench-out/resume"))
    p.add_argument("--json", action="store_true")
