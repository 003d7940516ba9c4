"""The benchmarks' looped program picture: drawn once, distinct every frame, a fixed loop."""

from __future__ import annotations

import hashlib

import av
import pytest

from media.program import VideoFormat, Vp8Encoder
from media.sources import LoopedPattern, TestPattern

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


def test_the_loop_needs_the_bitrate_it_is_given_and_the_colour_bars_do_not() -> None:
    """What the network bench relies on: the picture fills its rung (so a link below the rung
    really has to move down), where the bars compress to a fraction of it."""
    fmt, target = VideoFormat(640, 360, 30), 600_000

    def kbit_s(source: LoopedPattern | TestPattern) -> float:
        encoder = Vp8Encoder(fmt, target)
        size = sum(
            packet.size
            for n in range(60)
            for packet in encoder.encode(source.frame(n), n * 3000, n == 0)
        )
        return size * 8 / 2.0 / 1000  # 60 frames = 2 s

    assert kbit_s(LoopedPattern(640, 360, frames=16)) > 0.8 * target / 1000
    assert kbit_s(TestPattern("bars", 640, 360)) < 0.6 * target / 1000
