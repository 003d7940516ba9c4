"""The program picture's receive buffer (media/video_receive.py), on a fake clock."""

from __future__ import annotations

from media.video_receive import (
    CAPACITY,
    KEYFRAME_ASK_GAP_S,
    MAX_WAIT_S,
    RENACK_S,
    Piece,
    VideoReceiveBuffer,
    vp8_frame_start,
)

TICK = 1 / 30


class Stream:
    """Frames of `size` packets each, a keyframe every `gop` frames, numbered from `seq`."""

    def __init__(self, seq: int = 0, gop: int = 60) -> None:
        self.seq = seq
        self.gop = gop
        self.n = 0

    def frame(self, size: int = 3, keyframe: bool | None = None) -> list[Piece]:
        key = self.n % self.gop == 0 if keyframe is None else keyframe
        ts = (self.n * 3000) & 0xFFFFFFFF
        pieces = [
            Piece(
                seq=(self.seq + i) & 0xFFFF,
                timestamp=ts,
                marker=i == size - 1,
                data=bytes([self.n & 0xFF, i]),
                start=i == 0,
                keyframe=key and i == 0,
            )
            for i in range(size)
        ]
        self.seq += size
        self.n += 1
        return pieces


def feed(buffer: VideoReceiveBuffer, pieces: list[Piece], now: float) -> tuple[bool, list[int]]:
    """Add `pieces` at `now`; whether a keyframe was asked for, and the frames out (by n)."""
    asked, out = False, []
    for piece in pieces:
        ask, frames = buffer.add(piece, now)
        asked |= ask
        out += [f.timestamp // 3000 for f in frames]
    return asked, out


def test_each_frame_comes_out_when_its_last_packet_is_in() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream()
    first = stream.frame()
    assert feed(buffer, first[:2], 0.0) == (False, [])
    assert feed(buffer, first[2:], 0.0) == (False, [0])  # not held for the next frame's start
    asked, out = feed(buffer, stream.frame() + stream.frame(), TICK)
    assert (asked, out) == (False, [1, 2])
    assert buffer.held == 0 and buffer.stats.frames == 3


def test_packets_in_any_order_make_the_same_frames_and_sequence_numbers_wrap() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream(seq=65533)
    a, b = stream.frame(), stream.frame()
    _, out = feed(buffer, [a[0], a[2], b[1], a[1], b[0], b[2]], 0.0)
    assert out == [0, 1]
    frame = buffer.add(stream.frame()[0], 0.0)
    assert frame == (False, [])


def test_frames_complete_behind_a_filled_hole_all_come_out_at_once() -> None:
    """aiortc's buffer handed over one frame per arriving packet after a hole: here every
    complete frame goes as soon as the retransmission fills it."""
    buffer, stream = VideoReceiveBuffer(), Stream()
    feed(buffer, stream.frame(), 0.0)
    lost = stream.frame()
    later = [p for _ in range(5) for p in stream.frame()]
    assert feed(buffer, lost[:1] + lost[2:] + later, 0.1) == (False, [])
    assert feed(buffer, lost[1:2], 0.15) == (False, [1, 2, 3, 4, 5, 6])


def test_a_hole_is_waited_for_at_most_max_wait_then_the_newest_keyframe_goes_on() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream(gop=10)
    feed(buffer, stream.frame(), 0.0)  # keyframe 0
    lost = stream.frame()
    feed(buffer, lost[1:], 0.0)  # frame 1's first packet lost for good
    now, out = 0.0, []
    for _ in range(18):  # frames 2..19: keyframe 10 among them
        now += TICK
        _, got = feed(buffer, stream.frame(), now)
        out += got
    # Frames 2..19 arrive within 0.6 s; nothing passes the hole until it has waited MAX_WAIT_S.
    assert now > MAX_WAIT_S
    assert out[0] == 10 and out == list(range(10, 10 + len(out)))
    assert buffer.stats.holes_skipped == 1
    assert buffer.stats.frames_dropped == 9  # frames 1..9 (1 incomplete, 2..9 behind it)


def test_with_no_keyframe_after_the_hole_it_waits_for_one_and_asks_every_3_s() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream(gop=1000)
    feed(buffer, stream.frame(), 0.0)
    stream.frame()  # lost whole
    now, asked_at, out = 0.0, [], []
    while now < 7.0:
        now += TICK
        asked, got = feed(buffer, stream.frame(), now)
        out += got
        if asked:
            asked_at.append(now)
    assert out == []  # never a frame that would decode against a picture it lacks
    assert buffer.waiting_for_keyframe
    assert buffer.held <= 3 * (MAX_WAIT_S / TICK + 1)  # what came in the last MAX_WAIT_S
    assert len(asked_at) == 3
    assert asked_at[1] - asked_at[0] >= KEYFRAME_ASK_GAP_S - 1e-9
    assert asked_at[0] <= TICK + MAX_WAIT_S + TICK  # the first packet after the hole waited
    now += TICK
    asked, got = feed(buffer, stream.frame(keyframe=True) + stream.frame(), now)
    assert not asked and got == [stream.n - 2, stream.n - 1]


def test_a_keyframe_whose_first_packet_comes_last_still_starts_the_picture() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream()
    key = stream.frame(size=4)
    asked, out = feed(buffer, key[1:], 0.0)
    assert asked and out == []  # nothing yet to start from: ask
    assert feed(buffer, key[:1], 0.05) == (False, [0])


def test_late_and_duplicate_packets_are_ignored() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream()
    frame = stream.frame()
    feed(buffer, frame, 0.0)
    assert feed(buffer, frame, 0.01) == (False, [])
    assert buffer.held == 0


def test_a_resync_drops_what_is_held_and_waits_for_the_next_keyframe() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream(gop=5)
    feed(buffer, stream.frame(), 0.0)
    partial = stream.frame()[:2]
    feed(buffer, partial, 0.0)
    assert buffer.resync(0.01) is True
    assert buffer.resync(0.02) is False  # asked a moment ago
    _, out = feed(buffer, [p for _ in range(6) for p in stream.frame()], 0.1)
    assert out == [5, 6, 7]
    assert buffer.stats.decoder_resyncs == 2


def test_a_stream_that_jumps_far_ahead_is_not_waited_for() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream(gop=2)
    feed(buffer, stream.frame(), 0.0)
    stream.frame()[0]  # frame 1 lost
    stream.seq += CAPACITY  # and then the sequence jumps
    _, out = feed(buffer, stream.frame(), 0.01)  # keyframe 2, at once
    assert out == [2]


def test_vp8_descriptor_says_frame_start_and_keyframe() -> None:
    assert vp8_frame_start(bytes([0x10, 0x00])) == (True, True)  # S, PID 0; P = 0
    assert vp8_frame_start(bytes([0x10, 0x01])) == (True, False)  # an inter frame
    assert vp8_frame_start(bytes([0x00, 0x00])) == (False, False)  # a continuation
    assert vp8_frame_start(bytes([0x11, 0x00])) == (False, False)  # partition 1
    # X with I (15-bit picture id), L, T/K: 1 + 1 + 2 + 1 + 1 bytes before the header.
    assert vp8_frame_start(bytes([0x90, 0xF0, 0x80, 0x01, 0x00, 0x00, 0x00])) == (True, True)
    assert vp8_frame_start(bytes([0x90, 0x80, 0x05, 0x01])) == (True, False)  # 7-bit id
    assert vp8_frame_start(b"") == (False, False)


def test_a_keyframe_missing_a_packet_is_given_up_on_once_not_again_on_every_packet() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream(gop=1000)
    key = stream.frame(size=5)
    feed(buffer, key[:2] + key[3:], 0.0)  # its third packet never comes
    now = 0.0
    while now < 2.0:
        now += TICK
        _, out = feed(buffer, stream.frame(), now)
        assert out == []
    assert buffer.stats.holes_skipped == 1 and buffer.waiting_for_keyframe
    _, out = feed(buffer, stream.frame(keyframe=True), now + TICK)
    assert out == [stream.n - 1]


def test_missing_packets_are_asked_for_again_while_the_picture_waits() -> None:
    buffer, stream = VideoReceiveBuffer(), Stream(seq=65534)
    feed(buffer, stream.frame(), 0.0)
    lost = stream.frame()  # seq 1..3 (wrapped): its second packet is lost
    feed(buffer, lost[:1] + lost[2:], 0.0)
    assert buffer.missing(RENACK_S / 2) == []  # aiortc's own NACK is on its way
    feed(buffer, stream.frame(), 0.1)
    assert buffer.missing(RENACK_S + 0.01) == [lost[1].seq]
    assert buffer.missing(RENACK_S + 0.02) == []  # asked a moment ago
    assert buffer.missing(2 * RENACK_S + 0.02) == [lost[1].seq]
    _, out = feed(buffer, lost[1:2], 0.35)
    assert out == [1, 2] and buffer.missing(1.0) == []
    assert buffer.stats.renacks == 2 and buffer.stats.holes_skipped == 0
