"""Packet loss both ways, from aiortc's RTP statistics (stubbed: the arithmetic is ours)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from media.studio import VenueConnection
from media.studio.statistics import measure_loss


class Stats:
    def __init__(self, *stats: SimpleNamespace) -> None:
        self.stats = stats

    async def getStats(self) -> dict[str, SimpleNamespace]:  # noqa: N802 - aiortc's name
        return {str(i): s for i, s in enumerate(self.stats)}


def connection(received: int, lost: int, fraction_lost: float, direction: str = "sendrecv") -> Any:
    inbound = SimpleNamespace(type="inbound-rtp", packetsReceived=received, packetsLost=lost)
    remote = SimpleNamespace(type="remote-inbound-rtp", fractionLost=fraction_lost)
    video = SimpleNamespace(
        kind="video", currentDirection=direction, receiver=Stats(inbound), sender=Stats(remote)
    )
    audio = SimpleNamespace(
        kind="audio", currentDirection=direction, receiver=Stats(), sender=Stats()
    )
    return SimpleNamespace(getTransceivers=lambda: [audio, video])


async def test_loss_is_measured_over_the_last_interval_not_since_the_start() -> None:
    conn = VenueConnection(pc=connection(1000, 0, 0.0), ws=None, started_mono=0.0)  # type: ignore[arg-type]
    await measure_loss(conn)
    assert conn.loss_in_pct == 0.0 and conn.loss_out_pct == 0.0
    conn.pc = connection(1090, 10, 13)  # 100 more packets, 10 of them lost; out: 13/256
    await measure_loss(conn)
    assert conn.loss_in_pct == 10.0 and conn.loss_out_pct == 5.1  # as aiortc reports it
    conn.pc = connection(1190, 10, 0.0)  # a clean interval after a bad one
    await measure_loss(conn)
    assert conn.loss_in_pct == 0.0


async def test_an_inactive_link_through_an_sfu_is_not_asked_for_statistics() -> None:
    conn = VenueConnection(pc=connection(1000, 50, 13, "inactive"), ws=None, started_mono=0.0)  # type: ignore[arg-type]
    await measure_loss(conn)
    assert conn.loss_in_pct is None and conn.loss_out_pct is None
