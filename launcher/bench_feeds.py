"""`ceremony bench feeds --venues 11 --json`: venues' feeds through Janus against direct.

One run, two halves on the same run-sheet and venue processes' settings: the venues send
their camera and microphone straight to the studio (direct), then through a real Janus in a
network namespace of its own (launcher/janus_lab.py; needs root and Debian's janus), the
studio taking only the on-air and preview venues in full and the shown tiles small. Each half
reports the studio's CPU (this process: the engine runs here, venues are processes of their
own), Janus's CPU, and the time from TAKE to the venue's picture in the program:
- take_preview_ms: TAKE of the venue on preview (already taken in full);
- take_tile_ms: TAKE of a venue shown as a tile only (its small copy at once, scaled up; the
  figure is to the first full-size picture);
- take_hidden_ms: TAKE of a venue on no shown page (nothing of it taken before).
A venue's picture counts as on air when the program's source frame is that venue's, at the
venue's full size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

TAKE_TIMEOUT_S = 10.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--venues", type=int, default=11)
    p.add_argument("--duration", type=float, default=15.0, help="seconds of CPU measurement")
    p.add_argument("--takes", type=int, default=4, help="TAKEs of each kind")
    p.add_argument("--venue-video", default="480x270@10")
    p.add_argument("--program", default="640x360@15")
    p.add_argument("--mode", choices=("both", "direct", "sfu"), default="both")
    p.add_argument("--out", type=Path, default=Path("bench-out/feeds"))
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    result: dict[str, Any] = {
        "bench": "feeds",
        "venues": args.venues,
        "venue_video": args.venue_video,
        "program": args.program,
        "cpus": os.cpu_count(),
    }
    modes = ("direct", "sfu") if args.mode == "both" else (args.mode,)
    for mode in modes:
        result[mode] = asyncio.run(_half(args, mode))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for mode in modes:
            print(mode, json.dumps(result[mode]))
    return 0


def _cpu_s(pid: int) -> float:
    """User + system seconds of a process, from /proc (Janus runs in another namespace)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _half(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    from launcher.demo import LOOPBACK, VenueProcess, fit_venues, free_port
    from launcher.janus_lab import JanusLab
    from launcher.paths import Paths
    from media import runsheet_files
    from media.ice import enlarge_socket_buffers, pin_host_addresses
    from media.identity import ensure_identity
    from media.private_files import make_private_dir, write_private
    from media.program import VideoFormat
    from media.sfu.program import SfuConfig
    from media.studio import StudioConfig, StudioEngine, VenueStatus

    out = args.out / mode
    make_private_dir(out)
    make_private_dir(out / "logs")
    lab = JanusLab(index=9).start() if mode == "sfu" else None
    addresses = [LOOPBACK] + ([lab.host_address] if lab else [])
    pin_host_addresses(addresses)
    enlarge_socket_buffers()
    sheet = fit_venues(runsheet_files.load(Paths.default().sample_runsheet()), args.venues).scaled(
        3600
    )
    identity = ensure_identity(out / "studio", [LOOPBACK])
    port = free_port()
    sfu = SfuConfig.parse(f"janus://{lab.janus_address}:8088/90") if lab else None
    engine = StudioEngine(
        sheet,
        identity,
        StudioConfig(host=LOOPBACK, port=port, program=VideoFormat.parse(args.program), sfu=sfu),
        out / "journal.jsonl",
    )
    venue_video = VideoFormat.parse(args.venue_video)
    procs: list[VenueProcess] = []
    try:
        await engine.start()
        for venue in sheet.venues:
            invite = identity.invite(sheet, venue.id, [f"{LOOPBACK}:{port}"], time.time() + 3600)
            path = out / f"{venue.id}.invite.txt"
            write_private(path, (invite.to_string() + "\n").encode())
            extra = [a for addr in addresses[1:] for a in ("--ice-address", addr)]
            proc = VenueProcess(
                venue.id, path, out / "logs" / f"{venue.id}.log", venue_video, extra
            )
            proc.spawn()
            procs.append(proc)
        ids = [v.id for v in sheet.venues]
        joined = await _until(
            lambda: all(engine.venues[v].status is VenueStatus.JOINED for v in ids), 60
        )
        for proc in procs:
            proc.yield_cpu()
        if engine.feeds is not None:
            await _until(lambda: set(engine.feeds.taken) >= set(engine.visible_venues), 30)
        await asyncio.sleep(3.0)  # encoders and jitter buffers settle
        janus_pid = lab._proc.pid if lab and lab._proc else None
        cpu0, wall0 = time.process_time(), time.monotonic()
        janus0 = _cpu_s(janus_pid) if janus_pid else 0.0
        await asyncio.sleep(args.duration)
        wall = time.monotonic() - wall0
        studio_cpu = (time.process_time() - cpu0) / wall
        janus_cpu = (_cpu_s(janus_pid) - janus0) / wall if janus_pid else None
        snap = engine.snapshot()
        venues = snap["venues"]
        assert isinstance(venues, list)
        takes = await _takes(engine, ids, venue_video, args.takes)
        return {
            "all_joined": joined,
            "studio_cpu_cores": round(studio_cpu, 3),
            "janus_cpu_cores": round(janus_cpu, 3) if janus_cpu is not None else None,
            "program_fps_at_venues_median": statistics.median(
                v["program_fps_at_venue"] for v in venues
            ),
            "subscriptions_opened": engine.feeds.subscriptions_opened if engine.feeds else None,
            **takes,
        }
    finally:
        for proc in procs:
            proc.stop()
        await engine.stop()
        if lab is not None:
            lab.close()
        pin_host_addresses(None)


async def _takes(
    engine: Any, ids: list[str], video: Any, count: int
) -> dict[str, float | list[float] | None]:
    """TAKE-to-picture, in ms, for the three kinds of venue (see the module's docstring)."""
    from ceremony.runsheet import Source

    def picture(vid: str, full: bool) -> bool:
        frame = engine.program_feed.frame(Source.venue(vid))
        return frame is not None and (frame.width == video.width or not full)

    async def take(vid: str, kind: str) -> None:
        t0 = time.monotonic()
        engine.take(Source.venue(vid))
        first: float | None = None
        while not picture(vid, full=True):
            if first is None and picture(vid, full=False):
                first = time.monotonic()
            if time.monotonic() - t0 > TAKE_TIMEOUT_S:
                figures[kind].append(None)
                return
            await asyncio.sleep(0.005)  # a benchmark's poll of the engine's state
        done = time.monotonic()
        figures[kind].append(round((done - t0) * 1000, 1))
        figures[f"{kind}_first"].append(round(((first or done) - t0) * 1000, 1))

    figures: dict[str, list[float | None]] = {
        kind: [] for kind in ("preview", "tile", "hidden", "tile_first", "hidden_first")
    }
    figures["preview_first"] = []
    shown = frozenset(ids[: max(2, len(ids) // 2)])
    hidden = [v for v in ids if v not in shown]
    for n in range(count):
        engine.take(Source.studio())
        engine.show_venues(shown)
        preview = ids[(2 * n) % len(shown)]
        engine.preview(preview)
        await _until(lambda p=preview: _full(engine, p) and picture(p, full=True), 10)
        await take(preview, "preview")
        engine.preview(None)
        tile = ids[(2 * n + 1) % len(shown)]
        await asyncio.sleep(1.0)  # the tile's small copy flowing
        await take(tile, "tile")
        if hidden:
            await asyncio.sleep(1.0)
            await take(hidden[n % len(hidden)], "hidden")
    engine.take(Source.studio())

    def median(values: list[float | None]) -> float | None:
        got = [v for v in values if v is not None]
        return round(statistics.median(got), 1) if got else None

    out: dict[str, float | list[float] | None] = {}
    for kind, values in figures.items():
        out[f"take_{kind}_ms"] = median(values)
        out[f"take_{kind}_ms_all"] = [v if v is not None else -1.0 for v in values]
    return out


def _full(engine: Any, vid: str) -> bool:
    feeds = engine.feeds
    if feeds is None:
        return True  # direct: every venue is taken in full
    taken = feeds.taken.get(vid)
    return taken is not None and taken.level.value == "full"


async def _until(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
