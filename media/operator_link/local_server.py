"""What the two local links' servers share (the studio engine's operator link, the venue's
window link): a Unix socket only the machine's owner reaches, one task per connection, and a
client's writer that never queues the newest state behind older ones."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from media.operator_link.framing import claim_socket

Session = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class LocalSocketServer:
    """`session(reader, writer)` runs for each connection; its connection errors end only it."""

    def __init__(self, path: Path, session: Session) -> None:
        self.path = path
        self._session = session
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """LinkBusyError: a live server already answers on the same socket."""
        await claim_socket(self.path)
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        os.chmod(self.path, 0o600)

    async def close(self) -> None:
        """Stop listening and remove the socket (the caller closed its clients first: their
        sessions then end by themselves)."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=2.0)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            await self._session(reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if task is not None:
                self._handlers.discard(task)
            writer.close()


class FrameSink:
    """One client's writer task: it writes whatever `pending()` gives each time it is woken.
    Subclasses keep what is pending so that a newer state replaces the unsent one."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.wake = asyncio.Event()
        self.closed = False

    def pending(self) -> list[bytes]:
        """The frames to write now, taken out of what is pending."""
        raise NotImplementedError

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.wake.set()
            self.writer.close()

    async def write_loop(self) -> None:
        try:
            while not self.closed:
                await self.wake.wait()
                self.wake.clear()
                chunks = self.pending()
                if chunks:
                    self.writer.write(b"".join(chunks))
                    await self.writer.drain()
        except (ConnectionError, OSError):
            self.close()
