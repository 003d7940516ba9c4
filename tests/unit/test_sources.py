"""The benchmarks' looped program picture: drawn once, distinct every frame, a fixed loop."""

from __future__ import annotations

import hashlib

import av
import pytest

from media.program import VideoFormat, Vp8Encoder
from media.sources import LoopedPattern

W, H = 320, 180


def digest(frame: av.VideoFrame) -> str:
    return hashlib.sha1(frame.to_ndarray().tobytes()).hexdigest()


def test_every_frame_of_a_loop_differs_from_every_other() -> None:
    pattern = LoopedPattern(W, H, frames=8)
    seen = {digest(pattern.frame(i)) for i in range(pattern.period)}
    assert len(seen) == pattern.period


def test_the_picture_repeats_exactly_after_its_period() -> None:
    pattern = LoopedPattern(W, H, frames=8)
    assert pattern.period == 14  # forwards 0..7, then backwards 6..1
    first = [digest(pattern.frame(i)) for i in range(pattern.period)]
    assert [digest(pattern.frame(i + 3 * pattern.period)) for i in range(pattern.period)] == first


def test_frames_are_yuv420p_at_the_size_asked_and_do_not_share_memory() -> None:
    pattern = LoopedPattern(W, H, frames=4)
    kept = pattern.frame(0)
    before = digest(kept)
    pattern.frame(1)  # drawn into the same scratch buffer
    assert (kept.width, kept.height, kept.format.name) == (W, H, "yuv420p")
    assert digest(kept) == before


def test_sizes_that_yuv420p_cannot_hold_and_a_one_frame_loop_are_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        LoopedPattern(321, 180)
    with pytest.raises(ValueError, match="at least 2"):
        LoopedPattern(W, H, frames=1)


def test_the_loop_needs_the_bitrate_it_is_given() -> None:
    """What the network bench relies on: the picture fills its rung, every second, so a link
    below the rung really has to move down."""
    fmt, target = VideoFormat(640, 360, 30), 600_000
    encoder = Vp8Encoder(fmt, target)
    source = LoopedPattern(640, 360, frames=16)
    sizes = [
        sum(packet.size for packet in encoder.encode(source.frame(n), n * 3000, n == 0))
        for n in range(90)
    ]
    per_second = [sum(sizes[i : i + 30]) * 8 for i in range(0, 90, 30)]
    assert min(per_second) > 0.85 * target


def test_a_keyframe_of_the_detailed_picture_stays_near_a_frames_worth_of_bits() -> None:
    """A keyframe goes out as one burst: uncapped (5-7 frames' worth here, 15+ at 720p) it
    overflows a slow link's queue and arrives broken. The encoder caps it (media/program.py)."""
    from media.program import MAX_INTRA_PCT

    fmt, bitrate = VideoFormat(640, 360, 30), 600_000
    encoder = Vp8Encoder(fmt, bitrate)
    source = LoopedPattern(640, 360, frames=16)
    keyframes = [
        packet.size
        for n in range(61)
        for packet in encoder.encode(source.frame(n), n * 3000, n in (0, 30, 60))
        if packet.is_keyframe
    ]
    per_frame = bitrate / 8 / fmt.fps
    assert len(keyframes) >= 3
    assert max(keyframes[1:]) <= 1.5 * MAX_INTRA_PCT / 100 * per_frame
