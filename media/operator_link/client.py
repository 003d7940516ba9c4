"""A client of the operator link: what the console, the benches and the tests attach with."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import msgspec

from ceremony import operator as op
from ceremony import operator_link as link
from media.operator_link.framing import frame, open_link, read_frame

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0


class LinkError(ConnectionError):
    """The engine refused the client, or the link ended."""

    def __init__(self, text: str, reason: link.LinkRefusal | None = None) -> None:
        super().__init__(text)
        self.reason = reason


class LinkSlowError(LinkError):
    """Something accepted the connection but did not answer the Hello in time: an engine that
    is there but slow (a loaded machine, a long pause of its loop), or a hung one."""


class LinkClient:
    """One attachment to an engine. Callbacks run on the client's event loop."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        welcome: link.Welcome,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.welcome = welcome
        self.client_id = welcome.client_id
        self.controller: int | None = welcome.controller
        self.on_state: Callable[[link.ConsoleState], None] = lambda _s: None
        self.on_tiles: Callable[[link.Tiles], None] = lambda _t: None
        self.on_notice: Callable[[link.Notice], None] = lambda _n: None
        self.on_control: Callable[[link.ControlChanged], None] = lambda _c: None
        self._pending: dict[int, asyncio.Future[op.Result]] = {}
        self._next = 0
        self.closed = asyncio.Event()

    @classmethod
    async def connect(
        cls,
        path: Path,
        token: str,
        name: str,
        *,
        want_control: bool = True,
        timeout: float = CONNECT_TIMEOUT_S,
    ) -> LinkClient:
        """Attach; FileNotFoundError / ConnectionRefusedError when no engine listens there,
        LinkError when it refuses."""
        hello = link.encode(link.Hello(token, name, want_control=want_control))
        try:
            reader, writer, data = await open_link(path, hello, link.MAX_FRAME, timeout)
        except TimeoutError:
            raise LinkSlowError(f"the engine did not answer within {timeout:g} s") from None
        except asyncio.IncompleteReadError as exc:
            raise LinkError(f"the engine did not answer: {exc!r}") from None
        try:
            first = link.decode_server(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            writer.close()
            raise LinkError(f"the engine did not answer: {exc!r}") from None
        if isinstance(first, link.LinkRefused):
            writer.close()
            raise LinkError(f"refused: {first.reason.value} {first.detail}", first.reason)
        if not isinstance(first, link.Welcome):
            writer.close()
            raise LinkError(f"unexpected first message {type(first).__name__}")
        return cls(reader, writer, first)

    @property
    def in_control(self) -> bool:
        return self.controller == self.client_id

    async def run(self) -> None:
        """Read until the link ends (the engine stopped or died)."""
        try:
            while True:
                data = await read_frame(self.reader, link.MAX_FRAME)
                try:
                    message = link.decode_server(data)
                except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                    log.warning("operator link: unreadable message: %s", exc)
                    continue
                self._dispatch(message)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(LinkError("the link to the engine ended"))
            self._pending.clear()
            self.writer.close()

    def _dispatch(self, message: link.ServerMessage) -> None:
        match message:
            case link.Reply(id=rid, result=result):
                future = self._pending.pop(rid, None)
                if future is not None and not future.done():
                    future.set_result(result)
            case link.ConsoleState():
                self.controller = message.controller
                self.on_state(message)
            case link.Tiles():
                self.on_tiles(message)
            case link.Notice():
                self.on_notice(message)
            case link.ControlChanged(controller=controller):
                self.controller = controller
                self.on_control(message)
            case _:
                log.warning("operator link: unexpected %s", type(message).__name__)

    def _send(self, message: link.ClientMessage) -> None:
        if self.closed.is_set():
            raise LinkError("the link to the engine ended")
        self.writer.write(frame(link.encode(message)))

    def _ask(self, make: Callable[[int], link.ClientMessage]) -> asyncio.Future[op.Result]:
        self._next += 1
        future: asyncio.Future[op.Result] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = future
        try:
            self._send(make(self._next))
        except LinkError as exc:
            self._pending.pop(self._next, None)
            future.set_exception(exc)
        return future

    async def request(self, command: op.OperatorCommand) -> op.Result:
        return await self._ask(lambda rid: link.Request(rid, command))

    async def stop_engine(self) -> op.Result:
        return await self._ask(link.StopEngine)

    def take_control(self) -> None:
        self._send(link.TakeControl())

    def want_tiles(self, sizes: dict[str, tuple[int, int]]) -> None:
        self._send(link.WantTiles(dict(sizes)))

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()
