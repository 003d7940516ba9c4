"""Light venues for the scale benchmark: many real venue links in one process.

A venue app encodes its camera and decodes the program; a hundred of them would need a hundred
computers. The scale benchmark measures the studio's and the SFU's cost, so its venues are
light: each is a real `media.venue.VenueLink` (the invite, its token, the signaling, the control
and clock channels, the clock estimator and the countdown agent are the product's own code),
built here with

- a camera that is a small clip encoded once at start and then sent as is, looped (no encoder
  per venue; its keyframes come with every loop, since aiortc ignores keyframe requests for
  pre-encoded packets), or no camera at all;
- the program counted as complete frames without decoding (`count_only_video`, process-wide),
  except in a decoding group, whose venues decode it and read its latency code;
- no program sound and no speaker;
- one firing thread for the whole group (`media.firing.FireGroup`), each venue with its own
  deadline on its own clock: ten firing threads in one interpreter waited on each other's
  lock and fired up to 20 ms apart;
- one reading of the interfaces' addresses for the group, at most once a second (each venue
  looks for a changed address once a second: ten listings of every interface a second cost a
  twelfth of the process in a profile).

Several links share one asyncio loop (`LightGroup`), so ten processes of ten venues fit beside
Janus and the studio on two cores. Harness code: nothing in media/ knows about it.

    python -m launcher.light_venue SPEC.json

SPEC lists the venues (invite file, simulated clock and path, latency log) and the group's
options; the process runs until SIGTERM, then writes each venue's counters to SPEC's `out`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import json
import logging
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ceremony.invite import Invite
from launcher.live import read_invite
from media.aiortc_compat import count_only_video, interface_addresses
from media.firing import FireGroup
from media.ice import enlarge_socket_buffers, pin_host_addresses
from media.loop import quiet_teardown_errors
from media.netsim import NetKind, NetProfile, SimClock
from media.pacing import Pacer
from media.program import Packet, VideoFormat, Vp8Encoder
from media.sources import VIDEO_CLOCK, TestPattern
from media.venue import VenueConfig, VenueLink

log = logging.getLogger(__name__)

CLIP_SECONDS = 2.0  # one keyframe per loop: a venue's picture is back within this after loss
CLIP_BITRATE = 100_000
LINK_STAGGER_S = 0.1


def encode_clip(label: str, fmt: VideoFormat, seconds: float = CLIP_SECONDS) -> list[Packet]:
    """A short test-pattern clip encoded once (VP8, a keyframe first): what light venues send."""
    encoder = Vp8Encoder(fmt, CLIP_BITRATE)
    pattern = TestPattern(label, fmt.width, fmt.height)
    packets: list[Packet] = []
    for n in range(max(1, int(seconds * fmt.fps))):
        packets += encoder.encode(pattern.frame(n), n, keyframe=n == 0)
    return packets


class ClipTrack(MediaStreamTrack):
    """A pre-encoded clip sent as is, looped at its rate; pts run on across loops."""

    kind = "video"

    def __init__(self, packets: list[Packet], fps: float) -> None:
        super().__init__()
        if not packets:
            raise ValueError("an empty clip")
        self._packets = packets
        self._fps = fps
        self._pacer = Pacer(1 / fps)
        self.frames_sent = 0  # read by the venue's stats, as for its real camera track

    async def recv(self) -> Packet:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        source = self._packets[n % len(self._packets)]
        packet = av.Packet(bytes(source))
        packet.pts = int(n * VIDEO_CLOCK / self._fps)
        packet.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self.frames_sent += 1
        return packet


@dataclass
class SharedAddresses:
    """This machine's interface addresses, read at most once per `every_s` for all the group's
    venues (they share the machine, so they share the answer)."""

    every_s: float = 1.0
    _read_at: float = float("-inf")
    _addresses: frozenset[str] = frozenset()

    def __call__(self) -> frozenset[str]:
        now = time.monotonic()
        if now - self._read_at >= self.every_s:
            self._addresses, self._read_at = interface_addresses(), now
        return self._addresses


@dataclass(frozen=True)
class LightVenueSpec:
    invite: str  # path of the invite file, as the studio wrote it
    clock_offset_s: float = 0.0
    drift_ppm: float = 0.0
    net: str = NetKind.NONE.value
    rtt_s: float = 0.0
    asymmetry_s: float = 0.0
    seed: int = 0
    latency_log: str | None = None  # decoding groups: every program frame's latency, in ms


@dataclass(frozen=True)
class LightGroupSpec:
    venues: list[LightVenueSpec]
    # None: every interface, as `ceremony venue` without --ice-address; a venue whose LAN is
    # renumbered needs that (a pin to its old address would leave it no host candidate).
    ice_addresses: list[str] | None
    out: str  # each venue's counters, written at the end
    clip: str | None = "160x96@10"  # WxH@FPS of the camera clip; None: no camera
    decode: bool = False  # False: count the program's frames without decoding them
    realtime: bool = True
    shared_firing: bool = True  # one firing thread for the group's venues (FireGroup)
    # Diagnostics: the firing passes, one JSON line each (the FireGroup's; a venue alone in its
    # process writes its own thread's when started with media.firing.TRACE_ENV set to this)
    fire_trace: str | None = None

    @classmethod
    def load(cls, path: Path) -> LightGroupSpec:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        data["venues"] = [LightVenueSpec(**v) for v in data["venues"]]
        return cls(**data)

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")


def venue_config(
    spec: LightVenueSpec,
    realtime: bool,
    fire_group: FireGroup | None = None,
    addresses: SharedAddresses | None = None,
) -> VenueConfig:
    """The venue's configuration as `ceremony venue --sim-…` builds it: a simulated clock and
    path, true fire times reported on the host's clock that every process here shares."""
    clock = SimClock(spec.clock_offset_s, spec.drift_ppm, time.monotonic())
    return VenueConfig(
        clock=clock,
        true_of=clock.host_of,
        net=NetProfile.make(NetKind(spec.net), spec.rtt_s, spec.asymmetry_s),
        sim_seed=spec.seed,
        report_true_time=True,
        program_sound=False,
        keep_sound=False,
        realtime=realtime,
        fire_group=fire_group,
        addresses=addresses or interface_addresses,
    )


@dataclass
class LightGroup:
    """Venue links sharing this process's loop."""

    spec: LightGroupSpec
    links: list[VenueLink] = field(default_factory=list)
    fire_group: FireGroup | None = None

    def build(self) -> None:
        # One venue alone (a decoding one) fires from its own thread, as a real venue does.
        if self.spec.shared_firing and len(self.spec.venues) > 1:
            self.fire_group = FireGroup(
                realtime=self.spec.realtime, trace_path=self.spec.fire_trace
            )
        clip_fmt = VideoFormat.parse(self.spec.clip) if self.spec.clip else None
        # One clip for the whole group: the packets are only read, and each send copies them.
        clip = encode_clip("light venue", clip_fmt) if clip_fmt else None
        addresses = SharedAddresses()
        for venue in self.spec.venues:
            invite: Invite = read_invite(venue.invite)

            def camera(clip: list[Packet] | None = clip) -> MediaStreamTrack:
                assert clip is not None and clip_fmt is not None
                return ClipTrack(clip, clip_fmt.fps)

            self.links.append(
                VenueLink(
                    invite,
                    venue_config(venue, self.spec.realtime, self.fire_group, addresses),
                    camera if clip is not None else None,
                    None,
                )
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Start the links a little apart (ten DTLS handshakes at once would take the core)
        and run them until `stop`; meanwhile keep `<out>.times` saying when each started and
        when its first program frame came (the host's monotonic clock, which the benchmark's
        process shares: its join times), and the phase marks of its first completed join
        (`phases`, as a full venue logs them in `join phases:`)."""
        tasks, helpers = [], []
        times: dict[str, dict[str, Any]] = {}
        helpers.append(asyncio.create_task(self._watch_times(times)))
        for link, venue in zip(self.links, self.spec.venues, strict=True):
            times[link.invite.venue_id] = {"started": time.monotonic()}
            tasks.append(asyncio.create_task(link.run()))
            if venue.latency_log:
                helpers.append(asyncio.create_task(_log_latency(link, Path(venue.latency_log))))
            await asyncio.sleep(LINK_STAGGER_S)
        await stop.wait()
        for task in helpers:
            task.cancel()
        for link in self.links:
            link.stop()
        await asyncio.gather(*tasks, *helpers, return_exceptions=True)
        if self.fire_group is not None:
            self.fire_group.close()

    async def _watch_times(self, times: dict[str, dict[str, Any]]) -> None:
        path = Path(self.spec.out + ".times")
        while True:
            await asyncio.sleep(0.1)
            changed = False
            for link in self.links:
                entry = times.get(link.invite.venue_id)
                if entry is not None and "program" not in entry and link.counters.program_frames:
                    entry["program"] = time.monotonic()
                    changed = True
                if entry is not None and "phases" not in entry and "welcome" in link.join_marks:
                    entry["phases"] = dict(link.join_marks)
                    changed = True
            if changed or not path.exists():
                path.write_text(json.dumps(times), encoding="utf-8")

    def counters(self) -> list[dict[str, Any]]:
        return [
            {
                "venue": link.invite.venue_id,
                "state": link.state.value,
                "program_frames": link.counters.program_frames,
                "reconnects": link.counters.reconnects,
                "sfu": link.welcome.sfu.url if link.welcome and link.welcome.sfu else None,
            }
            for link in self.links
        ]


async def _log_latency(link: VenueLink, path: Path) -> None:
    """Every program frame's latency as the venue measured it, flushed each half second so the
    benchmark can read each step's share while the venue runs."""
    last = -1.0
    with path.open("a", encoding="utf-8") as f:
        while True:
            await asyncio.sleep(0.5)
            new = [(t, ms) for t, ms in list(link.latencies) if t > last]
            if new:
                last = new[-1][0]
                f.write("".join(f"{ms:.1f}\n" for _, ms in new))
                f.flush()


async def run_group(spec: LightGroupSpec) -> list[dict[str, Any]]:
    pin_host_addresses(spec.ice_addresses)  # None: every interface
    enlarge_socket_buffers()
    count_only_video(not spec.decode)
    group = LightGroup(spec)
    group.build()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await group.run(stop)
    return group.counters()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    spec = LightGroupSpec.load(args.spec)

    async def body() -> list[dict[str, Any]]:
        quiet_teardown_errors(asyncio.get_running_loop())
        return await run_group(spec)

    counters = asyncio.run(body())
    with contextlib.suppress(OSError):
        Path(spec.out).write_text(json.dumps(counters, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
