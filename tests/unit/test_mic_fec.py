"""A venue's microphone switches Opus in-band FEC from its uplink's loss reports (media/opus.py)."""

from __future__ import annotations

import asyncio
import datetime
from types import SimpleNamespace
from typing import Any

from ceremony.quality import FEC_OFF_CLEAN_S
from media import opus
from media.opus import FecSwitch, OpusEncodingTrack, follow_uplink_loss
from media.opus_receive import _load, carries_fec
from media.sources import ToneTrack


def test_fec_comes_on_at_the_first_lossy_report_and_goes_off_only_after_a_clean_stretch() -> None:
    switch = FecSwitch()
    assert switch.observe(0.0, 0.0) is False
    assert switch.observe(1.0, 5.0) is True
    assert switch.observe(2.0, 0.0) is True  # clean from here …
    assert switch.observe(2.0 + FEC_OFF_CLEAN_S - 1, 0.5) is True
    assert switch.observe(3.0 + FEC_OFF_CLEAN_S, 1.2) is True  # … a lossy one starts it over
    assert switch.observe(4.0 + FEC_OFF_CLEAN_S, 0.0) is True
    assert switch.observe(4.0 + 2 * FEC_OFF_CLEAN_S, 0.0) is False


async def _packets(track: OpusEncodingTrack, count: int) -> list[bytes]:
    return [bytes(await track.recv()) for _ in range(count)]


async def test_the_microphone_encode_carries_fec_once_switched_on_and_keeps_its_timeline() -> None:
    track = OpusEncodingTrack(ToneTrack())
    try:
        plain = await _packets(track, 3)
        track.fec = True
        protected = await _packets(track, 12)
        lib = _load()
        assert not any(carries_fec(lib, p) for p in plain)  # CELT, full band
        assert all((p[0] >> 3) < 12 for p in protected)  # SILK wideband …
        assert sum(carries_fec(lib, p) for p in protected) >= 6  # … with copies of the last one
    finally:
        track.stop()


class _Sender:
    """The part of an RTCRtpSender follow_uplink_loss reads: its remote-inbound-rtp stat."""

    def __init__(self) -> None:
        self.reports: list[tuple[float, int]] = []  # (fraction lost as aiortc puts it, second)
        self.asked = asyncio.Event()

    async def getStats(self) -> dict[str, Any]:  # noqa: N802 - aiortc's name
        self.asked.set()
        if not self.reports:
            return {}
        fraction, second = self.reports[-1]
        at = datetime.datetime.fromtimestamp(second, datetime.UTC)
        stat = SimpleNamespace(type="remote-inbound-rtp", fractionLost=fraction, timestamp=at)
        return {"r": stat}


async def test_the_venue_switches_its_microphone_from_the_studios_receiver_reports(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(opus, "UPLINK_CHECK_S", 0.0)
    track = OpusEncodingTrack(ToneTrack())
    sender = _Sender()
    task = asyncio.create_task(follow_uplink_loss(track, sender))  # type: ignore[arg-type]

    async def looked() -> None:
        for _ in range(2):  # a whole pass of the loop after the report was set
            sender.asked.clear()
            await asyncio.wait_for(sender.asked.wait(), 5)

    try:
        sender.reports.append((0, 1))
        await looked()
        assert track.fec is False
        sender.reports.append((13, 2))  # 13/256: 5 % lost
        await looked()
        assert track.fec is True
        sender.reports.append((0, 3))
        await looked()
        assert track.fec is True  # one clean report does not take it off
    finally:
        task.cancel()
        track.stop()


async def test_a_microphone_that_starts_protected_goes_full_band_after_a_clean_stretch(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(opus, "UPLINK_CHECK_S", 0.0)
    now = [100.0]
    track = OpusEncodingTrack(ToneTrack(), fec=True)
    sender = _Sender()
    task = asyncio.create_task(follow_uplink_loss(track, sender, lambda: now[0]))  # type: ignore[arg-type]

    async def report(fraction: int, second: int) -> None:
        sender.reports.append((fraction, second))
        for _ in range(2):
            sender.asked.clear()
            await asyncio.wait_for(sender.asked.wait(), 5)

    try:
        await report(0, 1)
        assert track.fec is True
        now[0] += FEC_OFF_CLEAN_S + 1
        await report(0, 2)
        assert track.fec is False
    finally:
        task.cancel()
        track.stop()
