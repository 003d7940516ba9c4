"""The operator link against a real studio engine: every command's round trip with its typed
result, the token, a second console refused until it takes control (journaled), the state
stream and the tile pictures."""

from __future__ import annotations

import asyncio
import os
import stat
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ceremony import operator as op
from ceremony import operator_link as link
from ceremony.notes import OperatorControl, decode_note
from ceremony.runsheet.yaml_io import dump_yaml
from ceremony.sequencer import commands as cmd
from media.journal_reader import read_journal
from media.operator_link.backend import EngineBackend
from media.operator_link.client import LinkClient, LinkError
from media.operator_link.framing import frame, read_frame
from media.operator_link.pictures import i420_size
from media.operator_link.server import LinkServer
from tests.integration.conftest import Studio
from tests.integration.test_session import running

pytestmark = pytest.mark.integration

TOKEN = "t" * 43


@pytest.fixture
async def server(studio: Studio) -> AsyncIterator[LinkServer]:
    folder = Path(tempfile.mkdtemp(prefix="lk", dir="/tmp"))  # a short Unix socket path
    stopped = asyncio.Event()
    server = LinkServer(
        EngineBackend(studio.engine), folder / "c.sock", TOKEN, stop=stopped.set, tile_fps=10
    )
    server.stopped = stopped  # type: ignore[attr-defined]
    await server.start()
    try:
        yield server
    finally:
        await server.close()
        folder.rmdir()


async def attach(server: LinkServer, name: str, *, want_control: bool = True) -> LinkClient:
    client = await LinkClient.connect(server.path, TOKEN, name, want_control=want_control)
    asyncio.get_running_loop().create_task(client.run())
    return client


async def next_state(client: LinkClient, check=lambda s: True) -> link.ConsoleState:  # type: ignore[no-untyped-def]
    got: asyncio.Future[link.ConsoleState] = asyncio.get_running_loop().create_future()

    def on_state(state: link.ConsoleState) -> None:
        if check(state) and not got.done():
            got.set_result(state)

    client.on_state = on_state
    return await asyncio.wait_for(got, 5)


async def test_every_command_has_its_typed_result(server: LinkServer, studio: Studio) -> None:
    assert stat.S_IMODE(os.stat(server.path).st_mode) == 0o600
    client = await attach(server, "console A")
    assert client.in_control and client.welcome.ceremony_id == studio.sheet.ceremony.id
    assert client.welcome.resumed_part is None  # a fresh run: nothing to say of resuming
    first = await next_state(client)
    assert first.controller == client.client_id and first.controller_name == "console A"
    ok: list[op.OperatorCommand] = [
        op.Sequence(cmd.Go()),
        op.SetPreview("kota-cirebon"),
        op.Take("kota-cirebon"),
        op.Take(None),
        op.SendCue("Siap", None),
        op.AddMarker("Sirene"),
        op.ProtocolNote("Menteri tiba"),
        op.StopRecording(),  # the studio fixture records: stopping is accepted
        op.StartRecording(),
    ]
    for command in ok:
        result = await client.request(command)
        assert result.ok, (command, result)
        assert result.command == op.command_name(command)
    refused: dict[op.OperatorCommand, op.RejectReason] = {
        op.Sequence(cmd.Go()): op.RejectReason.DOUBLE_PRESS,
        op.Take("nowhere"): op.RejectReason.UNKNOWN_VENUE,
        op.SendChat("kota-cirebon", " "): op.RejectReason.BAD_ARGUMENT,
        op.ArmCountdown(2.0): op.RejectReason.COUNTDOWN,
        op.AbortCountdown(): op.RejectReason.NOT_RUNNING,
        op.StartRecording(): op.RejectReason.ALREADY,
        op.ReplaceRunsheet("not: [a run-sheet"): op.RejectReason.RUNSHEET,
    }
    for command, reason in refused.items():
        result = await client.request(command)
        assert not result.ok and result.reason is reason, (command, result)
    edited = dump_yaml(studio.sheet).replace("Pembukaan", "Pembukaan (diubah)", 1)
    assert not (await client.request(op.ReplaceRunsheet(edited))).ok  # running: GO was pressed
    state = await next_state(client, lambda s: s.view.current == 0)
    assert state.preview == "kota-cirebon"
    await client.close()


async def test_a_second_console_watches_until_it_takes_control(
    server: LinkServer, studio: Studio
) -> None:
    a = await attach(server, "console A")
    b = await attach(server, "officer B")
    assert a.in_control and not b.in_control
    refused = await b.request(op.Sequence(cmd.Go()))
    assert refused.reason is op.RejectReason.NOT_IN_CONTROL and "console A" in refused.detail
    stop = await b.stop_engine()
    assert stop.reason is op.RejectReason.NOT_IN_CONTROL
    assert not server.stopped.is_set()  # type: ignore[attr-defined]
    b.take_control()
    await next_state(b, lambda s: s.controller == b.client_id)
    assert (await b.request(op.Sequence(cmd.Go()))).ok
    assert (await a.request(op.AddMarker("x"))).reason is op.RejectReason.NOT_IN_CONTROL
    records = read_journal(studio.engine.journal_path).records
    said = [decode_note(r.payload) for r in records if r.kind.value == "note"]
    assert OperatorControl(action="taken", by="officer B", previous="console A") in said
    # The controller leaves: nobody holds control, and the watcher is not promoted by itself.
    await b.close()
    await next_state(a, lambda s: s.controller is None)
    assert (await a.request(op.AddMarker("x"))).reason is op.RejectReason.NOT_IN_CONTROL
    await a.close()


async def test_a_wrong_token_or_version_is_refused(server: LinkServer) -> None:
    with pytest.raises(LinkError) as wrong:
        await LinkClient.connect(server.path, "x" * 43, "intruder")
    assert wrong.value.reason is link.LinkRefusal.BAD_TOKEN
    reader, writer = await asyncio.open_unix_connection(str(server.path))
    writer.write(frame(link.encode(link.Hello(TOKEN, "old", v=0))))
    answer = link.decode_server(await read_frame(reader, link.MAX_FRAME))
    assert isinstance(answer, link.LinkRefused) and answer.reason is link.LinkRefusal.VERSION
    writer.close()


async def test_stop_engine_from_the_controller(server: LinkServer) -> None:
    client = await attach(server, "console A")
    notices: list[link.Notice] = []
    client.on_notice = notices.append
    assert (await client.stop_engine()).ok
    await asyncio.wait_for(server.stopped.wait(), 5)  # type: ignore[attr-defined]
    assert any(n.kind is link.NoticeKind.ENGINE_STOPPING for n in notices)


async def test_tiles_come_only_when_asked_at_the_asked_size(
    server: LinkServer, studio: Studio
) -> None:
    venue, _ = studio.link(studio.invite("kota-cirebon"))
    async with running(venue):
        client = await attach(server, "console A")
        got: asyncio.Queue[link.Tiles] = asyncio.Queue()
        client.on_tiles = got.put_nowait
        await next_state(
            client,
            lambda s: any(v.id == "kota-cirebon" and v.video_fps > 0 for v in s.venues),
        )
        assert got.empty()  # nothing asked, nothing converted or sent
        client.want_tiles({"kota-cirebon": (64, 36), "program": (96, 54)})
        seen: dict[str, link.Tile] = {}
        while set(seen) != {"kota-cirebon", "program"}:
            tiles = await asyncio.wait_for(got.get(), 5)
            seen.update({t.key: t for t in tiles.tiles})
        # Each the frame's shape inside the asked box: one side fills it.
        for key, (w, h) in (("kota-cirebon", (64, 36)), ("program", (96, 54))):
            tile = seen[key]
            assert tile.width <= w and tile.height <= h
            assert tile.width == w or tile.height == h
            assert len(tile.i420) == i420_size(tile.width, tile.height)
        await client.close()


async def test_garbage_or_a_huge_frame_ends_only_that_connection(server: LinkServer) -> None:
    reader, writer = await asyncio.open_unix_connection(str(server.path))
    writer.write(frame(b"\xc1 not msgpack"))
    answer = link.decode_server(await read_frame(reader, link.MAX_FRAME))
    assert isinstance(answer, link.LinkRefused) and answer.reason is link.LinkRefusal.PROTOCOL
    writer.close()
    client = await attach(server, "console A")
    client.writer.write((link.MAX_CLIENT_FRAME + 1).to_bytes(4, "big"))  # a frame too big
    await asyncio.wait_for(client.closed.wait(), 5)
    again = await attach(server, "console A again")  # the engine is still there
    assert (await again.request(op.AddMarker("x"))).ok
    await again.close()


async def test_the_console_state_is_the_engines_typed_status(studio: Studio) -> None:
    venue, _ = studio.link(studio.invite("kota-cirebon"))
    async with running(venue):
        engine = studio.engine
        for _ in range(100):  # joined and measured (heartbeats once a second)
            row = engine.status().venue("kota-cirebon")
            if row is not None and row.status == "joined" and row.rtt_ms is not None:
                break
            await asyncio.sleep(0.1)
        status = engine.status()
        state = EngineBackend(engine).console_state()
        assert [v.id for v in state.venues] == [v.id for v in status.venues]
        for shown, typed in zip(state.venues, status.venues, strict=True):
            assert shown.status == typed.status
            assert shown.rtt_ms == typed.rtt_ms
            assert shown.ready == typed.ready
            assert shown.reconnects == typed.reconnects
            assert shown.loss_in_pct == typed.loss_in_pct
            assert shown.sound_problem == typed.sound_problem
        cirebon = next(v for v in state.venues if v.id == "kota-cirebon")
        assert cirebon.status == "joined" and cirebon.rtt_ms is not None
        # and it crosses the link as the typed struct it is
        assert link.decode_server(link.encode(state)) == state
