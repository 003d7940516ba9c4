"""A fake venue link behind the real window-link server (the venue app's counterpart of
fake_engine.py): the real server, socket and token on a loop of its own, but a link the test
drives by emitting its events, and that records what the window asked of it. No studio, no
aiortc peer, no real time in what the window is shown."""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from ceremony import wire
from ceremony.invite import Invite
from media.venue import LinkState, VenueLink
from media.venue_window_server import VenueWindowServer

TOKEN = "v" * 43


class FakeLink:
    """What the window-link server uses of a VenueLink."""

    def __init__(self, invite: Invite) -> None:
        self.invite = invite
        self.config = SimpleNamespace(clock=time.monotonic)
        self.liveness = SimpleNamespace(rtt_s=0.012)
        self.speaker = SimpleNamespace(problem=None)
        self.countdown = SimpleNamespace(
            also_quiet=[],
            estimator=SimpleNamespace(estimate=lambda _now: None),
            zero_screen_shown=lambda late_s: self.said.append(("zero", late_s)),
        )
        self.subscribers: list[Callable[[object], None]] = []
        self.said: list[tuple[str, object]] = []  # what the window asked, in order
        self.changed = threading.Event()

    def subscribe(self, callback: Callable[[object], None]) -> None:
        self.subscribers.append(callback)

    def send(self, message: wire._Msg) -> bool:
        self.said.append(("send", message))
        self.changed.set()
        return True

    def set_ready(self, ready: bool, contact: str) -> None:
        self.said.append(("ready", (ready, contact)))
        self.changed.set()


class FakeVenueLink:
    """The fake link served on a thread's loop; `emit` hands the server a link event."""

    def __init__(self, invite: Invite, path: Path | None = None) -> None:
        self.path = path or Path(tempfile.mkdtemp(prefix="fake-venue-link-")) / "link.sock"
        self.link = FakeLink(invite)
        self.left = threading.Event()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.pid = 0  # as a process: what the window's host reads of it
        self.ended: int | None = None

        async def serve() -> VenueWindowServer:  # made on the loop that runs it
            server = VenueWindowServer(
                cast(VenueLink, self.link), self.path, TOKEN, leave=self.left.set
            )
            await server.start()
            return server

        self.server: VenueWindowServer = self._call(serve())

    def poll(self) -> int | None:
        return self.ended

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def emit(self, event: object) -> None:
        async def deliver() -> None:
            for callback in self.link.subscribers:
                callback(event)

        self._call(deliver())

    def die(self) -> None:
        """The link's process is killed: its windows see the socket close with no word."""
        self._call(self.server.close())
        self.ended = -9

    def end(self, final: LinkState) -> None:
        """The link ends on its own (refused, ended): it says so before closing."""
        self._call(self.server.close(final))
        self.ended = 0

    def close(self) -> None:
        if self.server.windows or self.path.exists():
            self._call(self.server.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
