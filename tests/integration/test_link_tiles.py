"""The operator link's tile path, against a stand-in engine: pictures are made on the link's own
thread (never on the engine's loop), once per picture however many consoles show it, and reach
every console that asked at its size; nothing is made for a console that asks for nothing."""

from __future__ import annotations

import asyncio
import functools
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from ceremony import notes
from ceremony import operator as op
from ceremony import operator_link as link
from ceremony.runsheet import Runsheet
from ceremony.sequencer import Sequencer, View
from ceremony.timebase import Now
from media.operator_link.backend import Pictures, Shown
from media.operator_link.client import LinkClient
from media.operator_link.pictures import bgra_from_i420, padded
from media.operator_link.server import LinkServer

pytestmark = pytest.mark.integration

TOKEN = "k" * 43


class TileBackend:
    """Only pictures: a new "frame" when the test says so; each making recorded with its thread."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.frame = 1
        self.made: list[tuple[str, int, str]] = []  # key, frame, thread name

    def session(self) -> tuple[str, str, bool, str, str]:
        return ("c", "run-1", False, "", "")

    def resumed_part(self) -> int | None:
        return None

    def execute(self, command: op.OperatorCommand) -> op.Result:
        return op.Result.accepted(op.command_name(command))

    def console_state(self) -> link.ConsoleState:
        return link.ConsoleState(
            now=Now(1.0, 1.0),
            view=self.view,
            venues=(),
            countdown_fire_at=None,
            countdown_flagged=(),
        )

    def note(self, note: notes.Note) -> None:
        pass

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        pass

    def on_notice(self, callback: Callable[[link.Notice], None]) -> None:
        pass

    def pictures(self, sizes: dict[str, tuple[int, int]], shown: Shown) -> Pictures:
        out: Pictures = {}
        for key, size in sizes.items():
            if shown.get(key) == (self.frame, size):
                continue
            shown[key] = (self.frame, size)
            out[key] = (*size, functools.partial(self._make, key, self.frame, *size))
        return out

    def _make(self, key: str, frame: int, width: int, height: int) -> bytes:
        self.made.append((key, frame, threading.current_thread().name))
        w, h = padded(width, height)
        return bytes([frame * 40]) * (w * h) + bytes([128]) * (w * h // 2)


@pytest.fixture
async def served(sheet: Runsheet) -> AsyncIterator[tuple[LinkServer, TileBackend]]:
    folder = Path(tempfile.mkdtemp(prefix="lt", dir="/tmp"))  # a short Unix socket path
    backend = TileBackend(Sequencer(sheet).view(Now(1.0, 1.0)))
    server = LinkServer(backend, folder / "c.sock", TOKEN, stop=lambda: None, tile_fps=20)
    await server.start()
    try:
        yield server, backend
    finally:
        await server.close()
        folder.rmdir()


async def attach(server: LinkServer, name: str) -> tuple[LinkClient, asyncio.Queue[link.Tiles]]:
    client = await LinkClient.connect(server.path, TOKEN, name)
    tiles: asyncio.Queue[link.Tiles] = asyncio.Queue()
    client.on_tiles = tiles.put_nowait
    asyncio.get_running_loop().create_task(client.run())
    return client, tiles


async def tile_of(tiles: asyncio.Queue[link.Tiles], key: str) -> link.Tile:
    while True:
        got = await asyncio.wait_for(tiles.get(), 5)
        for tile in got.tiles:
            if tile.key == key:
                return tile


async def test_one_picture_made_off_the_loop_for_two_consoles(
    served: tuple[LinkServer, TileBackend],
) -> None:
    server, backend = served
    first, first_tiles = await attach(server, "console A")
    second, second_tiles = await attach(server, "console B")
    idle, idle_tiles = await attach(server, "protocol officer")  # asks for no pictures
    first.want_tiles({"program": (97, 55)})
    second.want_tiles({"program": (97, 55)})
    one, two = await tile_of(first_tiles, "program"), await tile_of(second_tiles, "program")
    for tile in (one, two):
        assert (tile.width, tile.height) == (97, 55)
        bgra = bgra_from_i420(tile.i420, tile.width, tile.height)
        assert len(bgra) == 97 * 55 * 4 and bgra[3] == 255
    backend.frame = 2  # a new picture: both consoles get it, made once
    await tile_of(first_tiles, "program")
    await tile_of(second_tiles, "program")
    assert [(k, f) for k, f, _ in backend.made] == [("program", 1), ("program", 2)]
    assert {thread for _, _, thread in backend.made} == {"link-tiles_0"}  # not the loop's
    assert threading.current_thread().name not in {t for _, _, t in backend.made}
    assert idle_tiles.empty()
    for client in (first, second, idle):
        await client.close()


async def test_a_failing_picture_does_not_stop_the_others_and_is_logged_once_by_the_loop(
    served: tuple[LinkServer, TileBackend], caplog: pytest.LogCaptureFixture
) -> None:
    server, backend = served
    make = backend._make

    def broken(key: str, frame: int, width: int, height: int) -> bytes:
        if key == "bad":
            raise ValueError("a broken frame")
        return make(key, frame, width, height)

    backend._make = broken  # type: ignore[method-assign]
    client, tiles = await attach(server, "console A")
    client.want_tiles({"bad": (16, 8), "program": (16, 8)})
    assert (await tile_of(tiles, "program")).key == "program"
    backend.frame = 2
    assert (await tile_of(tiles, "program")).key == "program"  # still flowing
    backend.frame = 3
    assert (await tile_of(tiles, "program")).key == "program"
    await client.close()
    # Logged once (three frames failed), with its traceback, and by the loop: the set of
    # failures already logged has one owner, not the loop and the pictures thread both.
    said = [r for r in caplog.records if "the picture of tile bad failed" in r.getMessage()]
    assert len(said) == 1
    assert said[0].threadName == threading.current_thread().name
    assert said[0].exc_info is not None and said[0].exc_info[0] is ValueError
