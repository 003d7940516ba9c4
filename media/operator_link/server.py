"""The engine's end of the operator link: a Unix socket in the private control folder.

Only the machine's owner reaches it: the folder is 0700, the socket 0600, and the first message
must carry the token from the 0600 token file (compared in constant time). Every attached client
gets the console's state four times a second (built once, encoded once, for all of them), the
pictures it asks for (at its tiles' sizes, only while it asks), and notices. The pictures are
scaled on the link's own thread, not on the engine's loop, each once however many consoles
show it, and travel as I420 (media/operator_link/pictures.py); fewer of them while the
engine's loop runs late (media/operator_link/pacing.py). Commands are
executed through the backend (the remote desk) for the client holding control; the others are
refused NOT_IN_CONTROL until one takes control over, which the journal records.

A slow or stuck client never holds the engine's loop: what it has not read yet is replaced by
the newest state and pictures (never queued without bound), and a client that lets its replies
pile up is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import msgspec

from ceremony import notes
from ceremony import operator as op
from ceremony import operator_link as link
from media.operator_link.backend import LinkBackend, PictureJob, Shown
from media.operator_link.framing import FrameError, frame, read_frame
from media.operator_link.local_server import FrameSink, LocalSocketServer
from media.operator_link.pacing import TilePacer

log = logging.getLogger(__name__)

STATE_INTERVAL_S = 0.25
TILE_FPS = 15.0  # the venues' camera rate: the program and preview monitors show every picture
# The multiviewer's venue tiles at a third of it: eleven small pictures at 5 fps tell the
# operator who is there and who froze, for a third of the engine's conversion work.
VENUE_TILE_EVERY = 3
MONITORS = ("program", "preview")
HELLO_TIMEOUT_S = 5.0
MAX_OUTBOX = 256  # replies and notices a client has not read: beyond, it is dropped
MAX_TILE_SIDE = 1920


@dataclass
class LinkCost:
    """CPU seconds the link has spent so far, by where (the benchmark reads them per phase):
    on the engine's loop building and encoding the state, choosing and handing out the
    pictures, and framing what a client is sent; on the pictures thread scaling them."""

    state_loop_s: float = 0.0
    tiles_loop_s: float = 0.0
    send_loop_s: float = 0.0
    pictures_thread_s: float = 0.0
    states: int = 0  # state frames built

    def loop_s(self) -> float:
        return self.state_loop_s + self.tiles_loop_s + self.send_loop_s


class _Client(FrameSink):
    def __init__(
        self, client_id: int, name: str, writer: asyncio.StreamWriter, cost: LinkCost
    ) -> None:
        super().__init__(writer)
        self.cost = cost
        self.id = client_id
        self.name = name
        self.wants: dict[str, tuple[int, int]] = {}
        self.shown: Shown = {}
        self.outbox: deque[bytes] = deque()
        self.state: bytes | None = None
        self.tiles: dict[str, link.Tile] = {}
        self.tiles_sent = 0  # pictures handed to this client (the benchmark reads it)

    def send(self, message: link.ServerMessage) -> None:
        if len(self.outbox) >= MAX_OUTBOX:
            log.warning("operator link: %s does not read its replies: dropped", self.name)
            self.close()
            return
        self.outbox.append(frame(link.encode(message)))
        self.wake.set()

    def pending(self) -> list[bytes]:
        began = time.thread_time()
        chunks = list(self.outbox)
        self.outbox.clear()
        if self.state is not None:
            chunks.append(self.state)
            self.state = None
        if self.tiles:
            tiles, self.tiles = list(self.tiles.values()), {}
            chunks.append(frame(link.encode(link.Tiles(tiles))))
        self.cost.send_loop_s += time.thread_time() - began
        return chunks


class LinkServer:
    def __init__(
        self,
        backend: LinkBackend,
        path: Path,
        token: str,
        *,
        stop: Callable[[], None],
        state_interval_s: float = STATE_INTERVAL_S,
        tile_fps: float = TILE_FPS,
    ) -> None:
        self.backend = backend
        self.path = path
        self.token = token
        self.stop_engine = stop
        self.state_interval_s = state_interval_s
        self.tile_fps = tile_fps
        self.seats = link.ControlSeats()
        self.clients: dict[int, _Client] = {}
        self._next_id = 0
        self._seq = 0
        self._socket = LocalSocketServer(path, self._session)
        self._tasks: list[asyncio.Task[None]] = []
        # One thread scales every console's pictures: off the engine's loop, and not the
        # loop's default executor (aiortc encodes there).
        self._pictures = ThreadPoolExecutor(max_workers=1, thread_name_prefix="link-tiles")
        self.pictures_made = 0
        self.cost = LinkCost()
        self.pacer = TilePacer()
        self._failures: set[str] = set()  # logged once each; the loop's alone
        backend.on_notice(self._broadcast)

    async def start(self) -> None:
        await self._socket.start()  # LinkBusyError: another engine of this ceremony runs
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._state_loop(), name="link-state"),
            loop.create_task(self._tile_loop(), name="link-tiles"),
        ]
        log.info("operator link on %s", self.path)

    async def close(self) -> None:
        for client in list(self.clients.values()):
            client.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._socket.close()
        self._pictures.shutdown(wait=False, cancel_futures=True)

    # ---- one client -------------------------------------------------------------------------

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = link.decode_client(
                await asyncio.wait_for(read_frame(reader, link.MAX_CLIENT_FRAME), HELLO_TIMEOUT_S)
            )
        except (TimeoutError, FrameError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            self._refuse(writer, link.LinkRefused(link.LinkRefusal.PROTOCOL, str(exc)))
            return
        if not isinstance(first, link.Hello):
            self._refuse(
                writer, link.LinkRefused(link.LinkRefusal.PROTOCOL, "the first message is Hello")
            )
            return
        same = hmac.compare_digest(first.token.encode(), self.token.encode())
        refused = link.check_hello(first, self.token, same=same)
        if refused is not None:
            log.warning("operator link: %s refused (%s)", first.client, refused.reason.value)
            self._refuse(writer, refused)
            return
        self._next_id += 1
        client = _Client(self._next_id, first.client[:200], writer, self.cost)
        self.clients[client.id] = client
        taken = self.seats.attach(client.id, client.name, want_control=first.want_control)
        ceremony_id, run_id, rehearsal, sheet_yaml, journal = self.backend.session()
        client.send(
            link.Welcome(
                client_id=client.id,
                ceremony_id=ceremony_id,
                run_id=run_id,
                rehearsal=rehearsal,
                runsheet_yaml=sheet_yaml,
                journal_path=journal,
                controller=self.seats.controller,
                engine_pid=os.getpid(),
                resumed_part=self.backend.resumed_part(),
            )
        )
        log.info("operator link: %s attached (client %d)", client.name, client.id)
        writing = asyncio.get_running_loop().create_task(client.write_loop())
        self._control_moved(taken)
        self._push_state_to(client)  # the live state at once, not at the next tick
        try:
            while not client.closed:
                data = await read_frame(reader, link.MAX_CLIENT_FRAME)
                try:
                    message = link.decode_client(data)
                except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                    log.warning("operator link: unreadable message from %s: %s", client.name, exc)
                    continue
                self._handle(client, message)
        except FrameError as exc:
            log.warning("operator link: %s: %s", client.name, exc)
        finally:
            client.close()
            self.clients.pop(client.id, None)
            log.info("operator link: %s detached", client.name)
            self._control_moved(self.seats.detach(client.id))
            writing.cancel()
            await asyncio.gather(writing, return_exceptions=True)

    def _refuse(self, writer: asyncio.StreamWriter, refused: link.LinkRefused) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(frame(link.encode(refused)))

    def _handle(self, client: _Client, message: link.ClientMessage) -> None:
        match message:
            case link.Request(id=rid, command=command):
                if not self.seats.may_command(client.id):
                    result = self.seats.refusal(op.command_name(command))
                else:
                    result = self.backend.execute(command)
                client.send(link.Reply(rid, result))
                self._push_state()  # the command's effect, at once
            case link.TakeControl():
                self._control_moved(self.seats.take(client.id))
            case link.StopEngine(id=rid):
                if not self.seats.may_command(client.id):
                    client.send(link.Reply(rid, self.seats.refusal("stop_engine")))
                    return
                client.send(link.Reply(rid, op.Result.accepted("stop_engine")))
                self.backend.note(notes.OperatorStop(by=client.name))
                self._broadcast(
                    link.Notice(link.NoticeKind.ENGINE_STOPPING, f"stopped by {client.name}")
                )
                self.stop_engine()
            case link.WantTiles(sizes=sizes):
                client.wants = {
                    key: (max(1, min(w, MAX_TILE_SIDE)), max(1, min(h, MAX_TILE_SIDE)))
                    for key, (w, h) in list(sizes.items())[:64]
                }
                client.shown.clear()  # new sizes: send every picture again
                # The venues on the consoles' pages: through an SFU only these are taken.
                shown = {k for c in self.clients.values() for k in c.wants}
                self.backend.show_venues(frozenset(shown - {"program", "preview"}))
            case link.Hello():
                log.warning("operator link: %s said Hello twice", client.name)

    def _control_moved(self, taken: link.ControlTaken | None) -> None:
        if taken is None:
            return
        log.info(
            "operator control: %s -> %s", taken.previous_name or "nobody", taken.to_name or "nobody"
        )
        self.backend.note(taken.note())
        self._broadcast(link.ControlChanged(taken.to, taken.to_name))
        self._push_state()

    def _broadcast(self, message: link.ServerMessage) -> None:
        for client in list(self.clients.values()):
            client.send(message)

    # ---- state and pictures --------------------------------------------------------------------

    def _state_frame(self) -> bytes:
        began = time.thread_time()
        self._seq += 1
        state = msgspec.structs.replace(
            self.backend.console_state(),
            controller=self.seats.controller,
            controller_name=self.seats.controller_name,
            seq=self._seq,
        )
        data = frame(link.encode(state))
        self.cost.state_loop_s += time.thread_time() - began
        self.cost.states += 1
        return data

    def _push_state_to(self, client: _Client) -> None:
        try:
            client.state = self._state_frame()
        except Exception:
            log.exception("operator link: the console state failed")
            return
        client.wake.set()

    def _push_state(self) -> None:
        if not self.clients:
            return
        try:
            data = self._state_frame()  # built and encoded once for every client
        except Exception:
            log.exception("operator link: the console state failed")
            return
        for client in list(self.clients.values()):
            client.state = data
            client.wake.set()

    async def _state_loop(self) -> None:
        while True:
            await asyncio.sleep(self.state_interval_s)
            self._push_state()

    async def _tile_loop(self) -> None:
        loop = asyncio.get_running_loop()
        period = 1 / self.tile_fps
        next_at = loop.time()
        while True:
            # A steady cadence: the time the pictures take is not added to the period.
            next_at = max(next_at + period, loop.time())
            await asyncio.sleep(next_at - loop.time())
            if not self.pacer.tick(loop.time() - next_at):
                continue  # the engine's loop is late: fewer pictures until it catches up
            began = time.thread_time()
            venues_too = self.pacer.made % VENUE_TILE_EVERY == 0
            jobs, given = self._picture_jobs(venues_too=venues_too)
            self.cost.tiles_loop_s += time.thread_time() - began
            if not jobs:
                continue
            made, failed, spent = await loop.run_in_executor(self._pictures, self._make, jobs)
            began = time.thread_time()
            self.cost.pictures_thread_s += spent
            for what, exc in failed:  # logged here, on the loop: `_failures` has one owner
                self._failed_once(what, exc)
            self.pictures_made += len(made)
            for client, keys in given:
                if client.closed:
                    continue
                for key, w, h in keys:
                    data = made.get((key, w, h))
                    if data is not None:
                        client.tiles[key] = link.Tile(key, w, h, data)
                        client.tiles_sent += 1
                client.wake.set()
            self.cost.tiles_loop_s += time.thread_time() - began

    def _picture_jobs(
        self, *, venues_too: bool
    ) -> tuple[
        dict[tuple[str, int, int], PictureJob], list[tuple[_Client, list[tuple[str, int, int]]]]
    ]:
        """On the loop: which pictures changed for whom. The same picture at the same size is
        made once for every console that shows it."""
        jobs: dict[tuple[str, int, int], PictureJob] = {}
        given: list[tuple[_Client, list[tuple[str, int, int]]]] = []
        for client in list(self.clients.values()):
            wanted = (
                client.wants
                if venues_too
                else {k: v for k, v in client.wants.items() if k in MONITORS}
            )
            if not wanted:
                continue
            try:
                pics = self.backend.pictures(wanted, client.shown)
            except Exception:  # one bad picture must not freeze every tile for the day
                self._failed_once("choosing the tile pictures failed")
                continue
            keys = []
            for key, (w, h, job) in pics.items():
                jobs.setdefault((key, w, h), job)
                keys.append((key, w, h))
            if keys:
                given.append((client, keys))
        return jobs, given

    @staticmethod
    def _make(
        jobs: dict[tuple[str, int, int], PictureJob],
    ) -> tuple[dict[tuple[str, int, int], bytes], list[tuple[str, Exception]], float]:
        """On the pictures thread: touches nothing of the server's; what failed is handed
        back to the loop to log, with the CPU seconds the pictures took."""
        began = time.thread_time()
        made = {}
        failed: list[tuple[str, Exception]] = []
        for key, job in jobs.items():
            try:
                made[key] = job()
            except Exception as exc:
                failed.append((f"the picture of tile {key[0]} failed", exc))
        return made, failed, time.thread_time() - began

    def _failed_once(self, what: str, exc: BaseException | None = None) -> None:
        """On the loop only (the pictures thread hands its failures back)."""
        if what not in self._failures:
            self._failures.add(what)
            if exc is None:
                log.exception("%s (logged once)", what)
            else:
                log.error("%s (logged once)", what, exc_info=exc)
