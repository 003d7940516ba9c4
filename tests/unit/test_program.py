"""The program bus and compositor without a network: encode once, keyframes, bounded queues,
overlays, and the latency code surviving compression."""

from __future__ import annotations

import itertools

import av
import numpy as np

from media.compositor import (
    CODE_BITS,
    CODE_COLS,
    CODE_ROWS,
    Compositor,
    LowerThird,
    code_block,
    draw_code,
    luma,
    read_code,
)
from media.program import ProgramBus, VideoFormat, Vp8Encoder
from media.sources import TestPattern

FMT = VideoFormat(640, 360, 15)


def encode_decode(frames: list[av.VideoFrame]) -> list[av.VideoFrame]:
    enc = Vp8Encoder(FMT, 600_000)
    dec = av.CodecContext.create("libvpx", "r")
    out = []
    for i, frame in enumerate(frames):
        for packet in enc.encode(frame, i * 6000, keyframe=i == 0):
            out.extend(dec.decode(packet))
    return out


def test_latency_code_survives_vp8() -> None:
    comp = Compositor(FMT.width, FMT.height)
    comp.lower_third = LowerThird("Wali Kota Cirebon", "Wali Kota")
    pattern = TestPattern("MPP Kota Cirebon", 320, 180)  # a venue picture, scaled up
    stamps = [4_294_960_000 + i * 67 for i in range(20)]  # across the 32-bit wrap
    decoded = encode_decode([comp.compose(pattern.frame(i), s) for i, s in enumerate(stamps)])
    assert [read_code(luma(f)) for f in decoded] == [s & 0xFFFFFFFF for s in stamps]


def test_code_rejects_a_picture_without_one() -> None:
    frame = TestPattern("no code here", 640, 360).frame(3)
    assert read_code(luma(frame)) is None
    noise = np.random.default_rng(1).integers(0, 255, (360, 640), dtype=np.uint8)
    draw_code(noise, 12345)
    noise[-10:, -10:] ^= 0xFF  # damage the last block: the checksum catches it
    assert read_code(noise) in (None, 12345)


def test_two_misread_blocks_are_never_taken_for_a_code() -> None:
    """Any two blocks read wrong (the lower rung's blurred corner misread two blocks of the
    same bit column steadily, and a byte-wise check let it through as +16 s of latency)."""
    y = np.zeros((360, 640), dtype=np.uint8)
    draw_code(y, 0x1234_5678)
    b = code_block(640)
    x0, y0 = 640 - CODE_COLS * b, 360 - CODE_ROWS * b
    for i, j in itertools.combinations(range(CODE_BITS), 2):
        damaged = y.copy()
        for k in (i, j):
            r, c = divmod(k, CODE_COLS)
            damaged[y0 + r * b : y0 + (r + 1) * b, x0 + c * b : x0 + (c + 1) * b] ^= 0xFF
        assert read_code(damaged) is None, (i, j)


def test_lower_third_is_drawn_and_the_source_left_alone() -> None:
    comp = Compositor(FMT.width, FMT.height)
    source = TestPattern("Studio", 640, 360).frame(1)
    before = source.to_ndarray().copy()
    plain = comp.compose(source, 1).to_ndarray()
    comp.lower_third = LowerThird("Menteri PANRB", "Menteri")
    titled = comp.compose(source, 1).to_ndarray()
    assert np.array_equal(source.to_ndarray(), before)
    changed = np.argwhere(plain[:360] != titled[:360])
    assert changed.size and changed[:, 0].min() > 360 // 2  # in the lower part of the picture


async def test_keyframe_requests_from_a_sender_reach_the_shared_encoder() -> None:
    from aiortc import RTCPeerConnection
    from aiortc.rtp import RTCP_PSFB_PLI, RtcpPsfbPacket

    bus = ProgramBus(FMT, compose=False)
    pc = RTCPeerConnection()
    sender = pc.addTransceiver("video").sender
    bus._keyframe_requested = [False]
    bus.route_keyframe_requests(sender)
    # A venue's PLI, through aiortc's own RTCP handling of a real sender.
    await sender._handle_rtcp_packet(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=2))
    assert bus._keyframe_requested == [True]
    await pc.close()


def test_slow_venue_drops_frames_and_asks_for_a_keyframe() -> None:
    bus = ProgramBus(FMT, compose=False)
    track = bus.subscribe("slow")
    enc = Vp8Encoder(FMT, 600_000)
    pattern = TestPattern("x", 640, 360)
    packets = [p for i in range(12) for p in enc.encode(pattern.frame(i), i * 6000, i == 0)]
    bus._keyframe_requested = [False]
    for packet in packets:  # nobody pulls: the venue's sender is stuck
        track.push(packet)
    assert len(track._queue) == 4  # bounded
    assert track.dropped == len(packets) - 4
    assert bus._keyframe_requested == [True]


def test_a_new_track_starts_at_a_keyframe() -> None:
    bus = ProgramBus(FMT, compose=False)
    track = bus.subscribe("late")
    enc = Vp8Encoder(FMT, 600_000)
    pattern = TestPattern("x", 640, 360)
    first = enc.encode(pattern.frame(0), 0, keyframe=True)
    deltas = [p for i in range(1, 4) for p in enc.encode(pattern.frame(i), i * 6000, False)]
    for packet in deltas:
        track.push(packet)
    assert not track._queue  # deltas without a keyframe are useless to a new decoder
    for packet in first + deltas:
        track.push(packet)
    assert track._queue[0].is_keyframe


def test_bgra_picture_is_qt_rgb32_at_the_asked_size() -> None:
    import numpy as np

    from media.compositor import bgra_picture

    red = av.VideoFrame.from_ndarray(np.full((90, 160, 3), (255, 0, 0), np.uint8), format="rgb24")
    data = bgra_picture(red.reformat(format="yuv420p"), 40, 20)
    pixels = np.frombuffer(data, np.uint8).reshape(20, 40, 4)
    b, g, r, a = (int(v) for v in pixels[10, 20])
    assert r > 230 and g < 30 and b < 30 and a == 255


def test_a_venue_moves_down_a_rung_at_that_rungs_keyframe() -> None:
    from media.program import Rung

    low = Rung(VideoFormat(320, 180, 15), 200_000)
    bus = ProgramBus(FMT, 600_000, lower_rungs=(low,))
    lossy, fine = bus.subscribe("lossy"), bus.subscribe("fine")
    pattern = TestPattern("x", 640, 360)
    assert bus._rungs_in_use() == [0]  # nobody on the lower rung: it is not encoded

    def tick(i: int) -> None:
        rungs = bus._rungs_in_use()
        keyframes = bus._decide_keyframes(rungs, now=float(i))
        for rung, packets in zip(
            rungs, bus._encode(pattern.frame(i), i * 6000, rungs, keyframes, 0), strict=True
        ):
            for packet in packets:
                for track in (lossy, fine):
                    track.offer(rung, packet)

    for i in range(3):
        tick(i)
    bus.set_rung("lossy", 1)
    assert bus._rungs_in_use() == [0, 1] and bus._keyframe_requested[1]
    for i in range(3, 6):
        tick(i)
    sizes = {t.venue_id: [p.size for p in t._queue] for t in (lossy, fine)}
    assert lossy.rung == 1 and fine.rung == 0
    decoder = av.CodecContext.create("libvpx", "r")
    pictures = [f for p in list(lossy._queue)[-3:] for f in decoder.decode(p)]
    assert {(f.width, f.height) for f in pictures} == {(320, 180)}  # starts at its keyframe
    assert list(lossy._queue)[-3].is_keyframe and sizes["fine"]
    bus.set_rung("lossy", 0)
    assert bus._rungs_in_use() == [0, 1]  # until it is back on the top rung's keyframe


def test_forced_keyframes_on_a_rung_are_rate_limited() -> None:
    from media.program import MIN_FORCED_KEYFRAME_GAP_S

    bus = ProgramBus(FMT, 600_000)
    forced = []
    t = 100.0
    while t < 110.0:  # a venue asking on every frame for ten seconds
        bus.request_keyframe("PLI storm")
        forced.append(bus._decide_keyframes([0], t)[0])
        t += 1 / 15
    assert sum(forced) <= 10.0 / MIN_FORCED_KEYFRAME_GAP_S + 1
    assert bus.keyframes_forced == [sum(forced)]


async def test_one_venues_keyframe_storm_is_heard_once_per_gap() -> None:
    from aiortc import RTCPeerConnection

    from media.program import VENUE_KEYFRAME_GAP_S

    bus = ProgramBus(FMT, compose=False)
    pc = RTCPeerConnection()
    lossy, other = pc.addTransceiver("video").sender, pc.addTransceiver("video").sender
    now = [100.0]
    bus.route_keyframe_requests(lossy, clock=lambda: now[0])
    bus.route_keyframe_requests(other, clock=lambda: now[0])
    bus._keyframe_requested = [False]
    lossy._send_keyframe()
    assert bus._keyframe_requested == [True]
    bus._keyframe_requested = [False]
    for _ in range(5):  # the storm, within the gap
        now[0] += VENUE_KEYFRAME_GAP_S / 10
        lossy._send_keyframe()
    assert bus._keyframe_requested == [False] and bus.keyframe_requests_refused == 5
    other._send_keyframe()  # another venue's request is its own
    assert bus._keyframe_requested == [True]
    bus._keyframe_requested = [False]
    now[0] += VENUE_KEYFRAME_GAP_S
    lossy._send_keyframe()
    assert bus._keyframe_requested == [True]
    await pc.close()


def test_a_request_just_after_the_gops_keyframe_waits_a_gap() -> None:
    """A venue asking for a keyframe on every frame, frames coming a little faster than their
    rate (a pacer catching up after a late frame), through the bus's own decide, encode and
    fan-out: the GOP's keyframe (every KEYFRAME_INTERVAL_S of frames) serves the requests made
    before it, and none is forced sooner than MIN_FORCED_KEYFRAME_GAP_S after it. Before, the
    GOP's keyframe did not count: one was forced a few frames after it (the bench saw two 0.03 s
    apart on each rung)."""
    from media.program import KEYFRAME_INTERVAL_S, MIN_FORCED_KEYFRAME_GAP_S

    bus = ProgramBus(FMT, 600_000)
    bus.subscribe("asking")
    pattern = TestPattern("x", 640, 360)
    step = 0.9 / FMT.fps  # frames 10 % fast
    forced_at = []
    for i in range(int(10 / step)):
        now = 100.0 + i * step
        bus.request_keyframe("PLI")
        rungs = bus._rungs_in_use()
        keyframes = bus._decide_keyframes(rungs, now)
        if keyframes[0]:
            forced_at.append(now)
        bus._fan_out(rungs, bus._encode(pattern.frame(i), i * 6000, rungs, keyframes, 0), now)
    times = list(bus.keyframe_times[0])
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.9 * KEYFRAME_INTERVAL_S - 1e-9  # the GOP's own, at this frame rate
    for t in forced_at[1:]:
        before = max(k for k in times if k < t)
        assert t - before >= MIN_FORCED_KEYFRAME_GAP_S - 1e-9
