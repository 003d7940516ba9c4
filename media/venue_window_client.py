"""A window's end of the venue's window link (the app's remote host, tests, the stand-in window)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import msgspec

from ceremony import venue_window as vw
from ceremony.operator_link import LinkRefused
from media.operator_link.client import LinkError, LinkSlowError
from media.operator_link.framing import frame, open_link, read_frame

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0


class WindowClient:
    """One attachment to a venue link. Callbacks run on the client's event loop."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, welcome: vw.WindowWelcome
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.welcome = welcome
        self.on_state: Callable[[vw.VenueState], None] = lambda _s: None
        self.on_picture: Callable[[vw.Picture], None] = lambda _p: None
        self.ending: vw.LinkEnding | None = None  # the link said it ends (not lost)
        self.closed = asyncio.Event()

    @classmethod
    async def connect(
        cls, path: Path, token: str, name: str, *, timeout: float = CONNECT_TIMEOUT_S
    ) -> WindowClient:
        """Attach; FileNotFoundError / ConnectionRefusedError when no link listens there,
        LinkError when it refuses or does not answer."""
        hello = vw.encode(vw.WindowHello(token, name))
        try:
            reader, writer, data = await open_link(path, hello, vw.MAX_FRAME, timeout)
        except TimeoutError:
            raise LinkSlowError(f"the venue link did not answer within {timeout:g} s") from None
        except asyncio.IncompleteReadError as exc:
            raise LinkError(f"the venue link did not answer: {exc!r}") from None
        try:
            first = vw.decode_server(data)
        except msgspec.DecodeError as exc:
            writer.close()
            raise LinkError(f"the venue link did not answer: {exc!r}") from None
        if isinstance(first, vw.WindowWelcome):
            return cls(reader, writer, first)
        writer.close()
        if isinstance(first, LinkRefused):
            raise LinkError(f"refused: {first.reason.value} {first.detail}", first.reason)
        raise LinkError(f"unexpected first message {type(first).__name__}")

    async def run(self) -> None:
        """Read until the link ends (on its own, after `LinkEnding`, or because it died)."""
        try:
            while True:
                data = await read_frame(self.reader, vw.MAX_FRAME)
                try:
                    message = vw.decode_server(data)
                except msgspec.DecodeError as exc:
                    log.warning("window link: unreadable message: %s", exc)
                    continue
                match message:
                    case vw.VenueState():
                        self.on_state(message)
                    case vw.Picture():
                        self.on_picture(message)
                    case vw.LinkEnding():
                        self.ending = message
                    case _:
                        log.warning("window link: unexpected %s", type(message).__name__)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.closed.set()
            self.writer.close()

    def send(self, message: vw.WindowMessage) -> None:
        if self.closed.is_set() or self.writer.is_closing():
            raise LinkError("the link to the venue link ended")
        self.writer.write(frame(vw.encode(message)))

    async def leave(self) -> None:
        """Leave on purpose: the link leaves the ceremony and its process ends."""
        with contextlib.suppress(LinkError, ConnectionError, OSError):
            self.send(vw.Leave())
            await asyncio.wait_for(self.writer.drain(), 2.0)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()
