"""Remote control against a real studio engine on loopback: HTTP commands and their status
codes, the state feed, OSC in and feedback out, and that a panel's command is the console's."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import msgspec
import pytest
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket

from ceremony import operator as op
from ceremony import wire
from ceremony.journal import RecordKind
from ceremony.sequencer import commands as cmd
from media.journal_reader import read_journal
from media.remote.service import RemoteConfig, RemoteControl
from media.venue import LinkState
from tests.integration.conftest import LOOPBACK, Studio
from tests.integration.test_session import message, running, state

pytestmark = pytest.mark.integration


class FeedbackListener(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[str, list[object]]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for timed in OscPacket(data).messages:
            self.received.put_nowait((timed.message.address, list(timed.message.params)))

    async def wait_for(self, address: str, *values: object, timeout: float = 5.0) -> None:
        async def scan() -> None:
            while True:
                got, params = await self.received.get()
                if got == address and params == list(values):
                    return

        await asyncio.wait_for(scan(), timeout)


@pytest.fixture
async def remote(studio: Studio, tmp_path: Path) -> AsyncIterator[tuple[RemoteControl, str]]:
    listener = FeedbackListener()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: listener, local_addr=(LOOPBACK, 0))
    feedback_port = transport.get_extra_info("sockname")[1]
    control = RemoteControl(
        studio.engine,
        RemoteConfig(
            http=(LOOPBACK, 0),
            osc=(LOOPBACK, 0),
            osc_feedback=((LOOPBACK, feedback_port),),
            folder=tmp_path / "control",
        ),
    )
    await control.start()
    control.listener = listener  # type: ignore[attr-defined]
    assert control.http is not None
    try:
        yield control, f"http://{LOOPBACK}:{control.http.port}"
    finally:
        await control.stop()
        transport.close()


async def call(base: str, path: str, token: str | None, method: str = "GET") -> tuple[int, dict]:  # type: ignore[type-arg]
    headers = {"X-Ceremony-Token": token} if token is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, base + path, headers=headers) as response,
    ):
        text = await response.text()
        try:
            return response.status, msgspec.json.decode(text)
        except msgspec.DecodeError:  # aiohttp's own 400 for a request line over its limit
            return response.status, {"text": text}


async def test_commands_answer_with_the_status_a_panel_reads(
    studio: Studio, remote: tuple[RemoteControl, str]
) -> None:
    control, base = remote
    token = control.token
    status, body = await call(base, "/api/go", token, "POST")
    assert (status, body["ok"], body["command"]) == (202, True, "go")
    status, body = await call(base, "/api/go", token)  # GET works too; inside the guard
    assert (status, body["reason"]) == (409, "double_press")
    assert studio.engine.desk.sequencer.state.current == 0  # the second GO changed nothing
    assert (await call(base, "/api/hold", token))[0] == 202
    assert (await call(base, "/api/hold", token))[0] == 409  # already holding
    assert (await call(base, "/api/resume", token))[0] == 202
    status, _ = await call(base, "/api/addtime/-30", token)
    assert status == 202 and studio.engine.desk.sequencer.state.extra_s[0] == -30
    assert (await call(base, "/api/arm/2", token))[1]["reason"] == "countdown"  # under 5 s
    status, body = await call(base, "/api/arm/8", token)
    assert status == 202 and studio.engine.countdown.fire_at is not None
    assert (await call(base, "/api/abort", token))[0] == 202
    assert (await call(base, "/api/take/1", token))[0] == 202  # by number: Kota Cirebon
    assert str(studio.engine.program_source) == "venue:kota-cirebon"
    assert (await call(base, "/api/take/studio", token))[0] == 202
    assert (await call(base, "/api/record/marker?text=pita", token))[0] == 202
    status, body = await call(base, "/api/state", token)
    live = msgspec.convert(body, op.StudioState)
    assert status == 200 and live.status == "running" and live.current is not None
    assert live.current.index == 1 and len(live.venues) == 11
    assert live.venues[0].id == "kota-cirebon" and live.countdown.phase.value == "aborted"
    # The same entries a keyboard GO leaves: the command itself, journaled.
    records = read_journal(studio.engine.journal_path).records
    commands = [r.payload for r in records if r.kind is RecordKind.COMMAND]
    assert {"type": "go"} in commands and {"type": "hold"} in commands


async def test_strangers_and_mistakes_change_nothing(
    studio: Studio, remote: tuple[RemoteControl, str], caplog: pytest.LogCaptureFixture
) -> None:
    control, base = remote
    token = control.token
    before = studio.engine.desk.sequencer.snapshot()
    caplog.set_level(logging.DEBUG)
    for path, who, expected in [
        ("/api/go", None, 401),
        ("/api/go", "wrong", 401),
        ("/api/go", "tökén-ñ", 401),  # not ASCII: refused, not a crash
        ("/api/go?token=wrong", None, 401),
        ("/api/launch", token, 404),
        ("/api/addtime/abc", token, 400),
        ("/api/addtime/nan", token, 400),
        ("/api/arm/-5", token, 400),
        ("/api/arm/1e309", token, 400),
        ("/api/take/99", token, 400),
        ("/api/cue/1", token, 400),  # no text
        ("/api/message?text=" + "x" * (wire.MAX_TEXT + 1), token, 400),
        ("/api/message?text=" + "x" * 9000, token, 400),  # over aiohttp's request line
    ]:
        status, _ = await call(base, path, who)
        assert status == expected, path
    assert studio.engine.desk.sequencer.snapshot() == before
    assert control.http is not None and control.http.refused_tokens == 4
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in caplog.records if token in r.getMessage()]


async def test_the_feed_pushes_each_change(
    studio: Studio, remote: tuple[RemoteControl, str]
) -> None:
    control, base = remote
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{base}/api/feed?token={control.token}") as ws,
    ):
        first = op.decode_state((await ws.receive(timeout=5)).data)
        assert first.status == "ready" and first.v == op.OPERATOR_VERSION
        control.desk.execute(op.Sequence(cmd.Go()))

        async def running_state() -> op.StudioState:
            while True:
                pushed = op.decode_state((await ws.receive(timeout=5)).data)
                if pushed.status == "running":
                    return pushed

        pushed = await asyncio.wait_for(running_state(), 5)
        assert pushed.seq > first.seq and pushed.current is not None
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(f"{base}/api/feed?token=wrong")


async def test_osc_commands_and_feedback(studio: Studio, remote: tuple[RemoteControl, str]) -> None:
    control, _ = remote
    listener: FeedbackListener = control.listener  # type: ignore[attr-defined]
    assert control.osc is not None and control.osc.port is not None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(address: str, *args: str | int) -> None:
        builder = OscMessageBuilder(address=address)
        for arg in args:
            builder.add_arg(arg)
        sock.sendto(builder.build().dgram, (LOOPBACK, control.osc.port))  # type: ignore[union-attr]

    await listener.wait_for("/studio/state/status", "ready")
    send("/studio/go")
    await listener.wait_for("/studio/state/status", "running")
    await listener.wait_for("/studio/state/item/index", 1)
    send("/studio/take", 3)
    await listener.wait_for("/studio/state/tally/3", 2)  # on air
    send("/studio/hold")
    await listener.wait_for("/studio/state/held", 1)
    send("/studio/arm", 1)  # under the minimum lead: refused, the reason fed back
    await listener.wait_for("/studio/result", "/studio/arm", 0, "countdown")
    sock.sendto(b"\x00garbage", (LOOPBACK, control.osc.port))
    send("/studio/launch")
    send("/studio/addtime", "many")
    send("/studio/resume")
    await listener.wait_for("/studio/state/held", 0)  # still serving after the garbage
    assert control.osc.refused == 2
    sock.close()


async def test_a_cue_from_a_panel_reaches_the_venue(
    studio: Studio, remote: tuple[RemoteControl, str]
) -> None:
    control, base = remote
    link, events = studio.link(studio.invite("kota-cirebon"))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        status, body = await call(
            base, "/api/cue/kota-cirebon?text=Siap%2C%2030%20detik", control.token
        )
        assert status == 202 and body["detail"].startswith("cue ")
        await events.wait(message(wire.Cue, text="Siap, 30 detik"))
