"""The control channel's own defences, with a fake data channel and a fake clock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from ceremony import wire
from media import control
from media.control import WireChannel


class FakeChannel:
    label = "control"
    readyState = "open"  # noqa: N815 - aiortc's name

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.handler: Callable[[Any], None] | None = None

    def on(self, _event: str, handler: Callable[[Any], None]) -> None:
        self.handler = handler

    def send(self, data: str) -> None:
        self.sent.append(data)

    def receive(self, data: str | bytes) -> None:
        assert self.handler is not None
        self.handler(data)


class Clock:
    t = 100.0

    def __call__(self) -> float:
        return self.t


def make() -> tuple[FakeChannel, WireChannel, list[wire.Message], Clock]:
    fake, clock = FakeChannel(), Clock()
    got: list[wire.Message] = []
    channel = WireChannel(fake, wire.VENUE_MAY_SEND, got.append, "v1", clock=clock)  # type: ignore[arg-type]
    return fake, channel, got, clock


def test_a_flood_of_big_junk_is_bounded_and_heartbeats_still_get_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    fake, channel, got, clock = make()
    junk = '{"type":"chat","text":"' + "[" * 10_000 + '"}'  # 10 KB, too long: refused
    for i in range(1000):
        fake.receive(junk)
        if i % 100 == 0:
            fake.receive(wire.encode(wire.Heartbeat(seq=i)).decode())
            clock.t += 0.1
    heartbeats = [m for m in got if isinstance(m, wire.Heartbeat)]
    assert len(heartbeats) == 10  # never starved by the junk around them
    decoded_bytes = (1000 - channel.dropped_undecoded) * len(junk)
    assert decoded_bytes <= control.BYTES_BURST + 1.0 * control.BYTES_PER_S + len(junk)
    assert channel.dropped_undecoded > 800
    assert len(fake.sent) <= 2 * control.ERRORS_PER_S  # answers: 20 a second at most
    assert len(caplog.records) <= 2  # the first, then counts: not one line per message


def test_an_error_is_never_answered_with_an_error() -> None:
    fake, _channel, got, _clock = make()
    fake.receive('{"type":"error","code":"nonsense","detail":"x"}')
    fake.receive(wire.encode(wire.Error(code=wire.ErrorCode.MALFORMED, detail="d")).decode())
    assert fake.sent == [] and len(got) == 1


def test_a_failing_handler_does_not_escape() -> None:
    fake = FakeChannel()

    def boom(_m: wire.Message) -> None:
        raise RuntimeError("handler bug")

    WireChannel(fake, wire.VENUE_MAY_SEND, boom, "v1")  # type: ignore[arg-type]
    fake.receive(wire.encode(wire.Heartbeat(seq=1)).decode())  # logged, not raised


def test_messages_are_counted_by_type_each_way() -> None:
    fake, channel, got, _ = make()
    fake.receive(wire.encode(wire.HeartbeatAck(seq=1)).decode())
    fake.receive(wire.encode(wire.HeartbeatAck(seq=2)).decode())
    fake.receive("not json")  # refused: not counted as a message
    channel.send(wire.Heartbeat(seq=3))
    assert channel.received == {"HeartbeatAck": 2}
    assert channel.sent["Heartbeat"] == 1 and len(got) == 2


class Stamps:
    """aiortc_compat.ArrivalStamps' shape: when the datagram being handled arrived."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.current: float | None = None


def test_a_handler_sees_when_its_datagram_arrived_and_nothing_implausible() -> None:
    fake, clock = FakeChannel(), Clock()
    stamps = Stamps(clock)
    seen: list[float | None] = []
    channel = WireChannel(
        fake,  # type: ignore[arg-type]
        wire.VENUE_MAY_SEND,
        lambda _m: seen.append(channel.arrived_at),
        "v1",
        clock=clock,
        arrivals=stamps,  # type: ignore[arg-type]
    )
    beat = wire.encode(wire.Heartbeat(seq=1)).decode()
    stamps.current = clock.t - 0.004  # arrived 4 ms before the loop handled it
    fake.receive(beat)
    stamps.current = clock.t - 10.0  # a stale stamp is not this message's
    fake.receive(beat)
    stamps.current = clock.t + 1.0  # nor one from the future
    fake.receive(beat)
    stamps.current = None
    fake.receive(beat)
    assert seen == [pytest.approx(clock.t - 0.004), None, None, None]
    assert channel.arrived_at is None  # only while a message is handled


async def test_through_the_shim_a_message_arrives_its_simulated_delay_after_the_datagram() -> None:
    import asyncio

    from media.netsim import NetKind, NetProfile, NetShim

    fake, clock = FakeChannel(), Clock()
    stamps = Stamps(clock)
    handled = asyncio.Event()
    seen: list[float | None] = []

    def on_message(_m: wire.Message) -> None:
        seen.append(channel.arrived_at)
        handled.set()

    shim = NetShim(NetProfile(NetKind.LAN, rtt_s=0.002), reliable=False, seed=3)
    channel = WireChannel(
        fake,  # type: ignore[arg-type]
        wire.VENUE_MAY_SEND,
        on_message,
        "v1",
        shim=shim,
        clock=clock,
        arrivals=stamps,  # type: ignore[arg-type]
    )
    delays: list[float | None] = []
    channel.on_stage = lambda stage, _data, delay: delays.append(delay)
    stamps.current = clock.t
    fake.receive(wire.encode(wire.Heartbeat(seq=1)).decode())
    await asyncio.wait_for(handled.wait(), 5)
    (delay,) = delays
    assert delay is not None and 0.0009 <= delay <= 0.0011  # LAN: half the RTT, ±5 %
    assert seen == [pytest.approx(clock.t + delay)]


async def test_through_the_shim_a_probe_is_stamped_as_due_to_leave_not_when_the_loop_sent_it() -> (
    None
):
    import asyncio

    from media.netsim import NetKind, NetProfile, NetShim

    fake = FakeChannel()
    shim = NetShim(NetProfile(NetKind.LAN, rtt_s=0.002), reliable=False, seed=3)
    channel = WireChannel(fake, wire.STUDIO_MAY_SEND, lambda m: None, "studio", shim=shim)  # type: ignore[arg-type]
    stamped: list[float] = []

    def stamp(message: wire._Msg, sent_ago: float) -> wire._Msg:
        stamped.append(sent_ago)
        assert isinstance(message, wire.ClockProbe)
        return wire.ClockProbe(seq=message.seq, t1=-sent_ago)

    channel.stamp = stamp
    channel.send(wire.ClockProbe(seq=7, t1=0.0))
    assert not fake.sent and not stamped  # held back by the simulated network
    for _ in range(200):
        if fake.sent:
            break
        await asyncio.sleep(0.005)
    (delay,) = stamped
    assert 0.0009 <= delay <= 0.0011  # its simulated delay, whenever the loop got to it
    assert wire.decode(fake.sent[0].encode(), wire.STUDIO_MAY_SEND | wire.VENUE_MAY_SEND) == (
        wire.ClockProbe(seq=7, t1=-delay)
    )


def test_without_a_shim_a_message_is_stamped_as_it_is_sent() -> None:
    fake, channel, _got, _clock = make()
    channel.stamp = lambda message, sent_ago: wire.ClockProbe(seq=1, t1=42.0 + sent_ago)
    channel.send(wire.Heartbeat(seq=1))
    assert wire.decode(fake.sent[0].encode(), wire.STUDIO_MAY_SEND | wire.VENUE_MAY_SEND) == (
        wire.ClockProbe(seq=1, t1=42.0)
    )


def test_with_departures_a_stamped_message_is_stamped_again_as_it_leaves() -> None:
    from media.aiortc_compat import Departing

    fake, clock = FakeChannel(), Clock()
    channel = WireChannel(
        fake,  # type: ignore[arg-type]
        wire.STUDIO_MAY_SEND,
        lambda m: None,
        "studio",
        clock=clock,
        departures=True,
    )
    stages: list[tuple[str, str | bytes]] = []
    channel.on_stage = lambda stage, data, _delay: stages.append((stage, data))

    def stamp(message: wire._Msg, sent_ago: float) -> wire._Msg | None:
        if not isinstance(message, wire.ClockProbe):
            return None
        return wire.ClockProbe(seq=message.seq, t1=clock.t - sent_ago)

    channel.stamp = stamp
    either = wire.STUDIO_MAY_SEND | wire.VENUE_MAY_SEND
    channel.send(wire.Heartbeat(seq=1))  # nothing to stamp: sent as it is, as text
    assert isinstance(fake.sent[0], str) and not isinstance(fake.sent[0], Departing)
    channel.send(wire.ClockProbe(seq=2, t1=0.0))
    departing = fake.sent[1]
    assert isinstance(departing, Departing)
    assert wire.decode(departing, either) == wire.ClockProbe(seq=2, t1=100.0)  # if never again
    clock.t = 100.25  # aiortc's send task came round a quarter of a second later
    again = departing.restamp()
    assert wire.decode(again, either) == wire.ClockProbe(seq=2, t1=100.25)
    assert stages[-1] == ("departed", again)
