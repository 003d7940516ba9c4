"""The program audio's receive side: FEC decoding and honest counts (media/opus_receive.py)."""

from __future__ import annotations

from types import SimpleNamespace

from media.opus import OpusPacketizer
from media.opus_receive import FecOpusDecoder, OpusReceiveStats, carries_fec, fec_available
from media.sources import voice_like

STEP = 2880  # 60 ms at 48 kHz


def _payloads(count: int, *, fec: bool) -> list[bytes]:
    return OpusPacketizer(fec=fec).push(voice_like(seconds=count * 0.06 + 0.2))[:count]


def _feed(decoder: FecOpusDecoder, payloads: list[bytes], lost: set[int]) -> list[int]:
    pts: list[int] = []
    for n, payload in enumerate(payloads):
        if n not in lost:
            frames = decoder.decode(SimpleNamespace(data=payload, timestamp=n * STEP))
            pts += [int(f.pts or 0) for f in frames]
    return pts


def test_the_fec_stream_is_silk_wideband_and_carries_its_copies() -> None:
    assert fec_available()
    from media.opus_receive import _load

    lib = _load()
    fec = _payloads(20, fec=True)
    assert all((p[0] >> 3) < 12 for p in fec)  # SILK-only TOC configs
    # libopus leaves the copy out where its voice detector hears little (the tone's dips)
    assert sum(carries_fec(lib, p) for p in fec) >= 10
    assert not any(carries_fec(lib, p) for p in _payloads(20, fec=False))  # CELT: no copy


def test_single_losses_are_recovered_and_longer_gaps_concealed() -> None:
    from media.opus_receive import _load

    payloads = _payloads(30, fec=True)
    lib = _load()
    single: list[int] = []
    for n in range(1, 14):
        if carries_fec(lib, payloads[n + 1]) and (not single or n > single[-1] + 1):
            single.append(n)
    single = single[:2]
    gap = next(n for n in range(16, 27) if carries_fec(lib, payloads[n + 3]))
    assert len(single) == 2
    stats = OpusReceiveStats()
    lost = {*single, gap, gap + 1, gap + 2}
    pts = _feed(FecOpusDecoder(stats), payloads, lost)
    assert pts == [n * STEP for n in range(30)]  # every place of the timeline has sound
    # the last of the three is rebuilt from the packet after it; the two before, concealed
    assert (stats.received, stats.recovered, stats.concealed) == (25, 3, 2)
    assert stats.expected == 30 and stats.concealed_pct() == 6.67


def test_without_fec_in_the_stream_a_loss_is_concealed_not_recovered() -> None:
    stats = OpusReceiveStats()
    _feed(FecOpusDecoder(stats), _payloads(10, fec=False), lost={4})
    assert (stats.received, stats.recovered, stats.concealed) == (9, 0, 1)


def test_a_late_packet_is_dropped_and_counted() -> None:
    stats = OpusReceiveStats()
    decoder = FecOpusDecoder(stats)
    payloads = _payloads(40, fec=True)
    from media.opus_receive import _load

    k = next(n for n in range(1, 38) if carries_fec(_load(), payloads[n + 1]))
    payloads = payloads[k - 1 : k + 3]
    for n in (0, 2, 1, 3):  # 1 arrives after 2: FEC already filled its place
        decoder.decode(SimpleNamespace(data=payloads[n], timestamp=n * STEP))
    assert (stats.received, stats.recovered, stats.late) == (3, 1, 1)


def test_counts_are_every_counter_by_name() -> None:
    """The studio's status takes `counts()` instead of `asdict`: a counter added later must
    be in it too."""
    import dataclasses

    stats = OpusReceiveStats(received=7, recovered=2, concealed=1, late=3)
    assert stats.counts() == dataclasses.asdict(stats)
