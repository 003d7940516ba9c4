"""The venue window attached to its link process over the window link (ceremony.venue_window).

The same face to the window as `VenueHost` (the link in this process): `changed` / `view()`,
`picture` / `latest_picture()`, chat, ready, the zero screen's report; plus `lost` when the
link's process ended without saying so (killed, crashed), and `rejoin()` to start it again.
A thread of its own runs the link's small event loop; the pictures arrive as I420 at the
window's size and are turned into BGRA on that thread, so the GUI thread only draws.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from ceremony import venue_window as vw
from media.loop import quiet_teardown_errors
from media.operator_link.client import LinkError
from media.operator_link.pictures import bgra_from_i420
from media.venue import LinkState
from media.venue_view import VenueView
from media.venue_window_client import WindowClient

log = logging.getLogger(__name__)

RETRY_S = 0.2  # while the link process starts (a few seconds: Python, aiortc)
START_TIMEOUT_S = 60.0


class LinkProcess(Protocol):
    """What the host looks at of the link's process (a `subprocess.Popen`)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...


Spawn = Callable[[], LinkProcess]


def window_name() -> str:
    return f"venue window on {socket.gethostname()} (pid {os.getpid()})"


class RemoteVenueHost(QObject):
    changed = Signal()  # the view changed: read `view()`
    picture = Signal()  # a new program picture: read `latest_picture()`
    lost = Signal()  # the link's process ended without saying so: offer to join again

    def __init__(
        self, path: Path, token: str, spawn: Spawn | None = None, *, running: bool = False
    ) -> None:
        """`spawn`: starts the link process (on `rejoin()`, and at `start()` unless `running`:
        a link already runs there, from before the app was closed by a crash); without it the
        host only attaches and cannot start the link again."""
        super().__init__()
        self.path = path
        self.token = token
        self._spawn = spawn
        self._running = running or spawn is None
        self.process: LinkProcess | None = None
        self.welcome: vw.WindowWelcome | None = None
        self.is_lost = False
        self._lock = threading.Lock()
        self._view = VenueView()
        self._picture: tuple[int, int, bytes] | None = None
        self._size = (0, 0)
        self._client: WindowClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._again: asyncio.Event | None = None
        self._leave = False
        self._thread = threading.Thread(target=self._run, name="venue-window-link", daemon=True)

    # ---- the window's side (GUI thread) ---------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0, *, leave: bool = True) -> None:
        """Detach; `leave` (closing the app on purpose): the link leaves and its process ends."""
        self._leave = leave
        self._on_loop(lambda: self._stop.set() if self._stop is not None else None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def rejoin(self) -> bool:
        """Start the link again (after it was lost or its run ended); False: this host cannot
        (it attached to a link someone else started)."""
        if self._spawn is None:
            return False
        self._on_loop(lambda: self._again.set() if self._again is not None else None)
        return True

    def view(self) -> VenueView:
        with self._lock:
            return self._view

    def latest_picture(self) -> tuple[int, int, bytes] | None:
        with self._lock:
            return self._picture

    def clock(self) -> float:
        """The link process reads the same monotonic clock: its instants are ours."""
        return time.monotonic()

    def sound_problem(self) -> str:
        return self.view().sound_problem

    def say(self, text: str) -> None:
        self._send(vw.SayChat(text))

    def set_ready(self, ready: bool, contact: str) -> None:
        self._send(vw.SetReady(ready, contact))

    def screen_shown(self, late_s: float) -> None:
        self._send(vw.ZeroShown(late_s))

    def want_picture(self, width: int, height: int) -> None:
        if (width, height) != self._size:
            self._size = (width, height)
            self._send(vw.WantPicture(width, height))

    def _send(self, message: vw.WindowMessage) -> None:
        def send() -> None:
            if self._client is not None:
                with contextlib.suppress(LinkError, OSError):
                    self._client.send(message)

        self._on_loop(send)

    def _on_loop(self, fn: Callable[[], object]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closed between the check and the call
            loop.call_soon_threadsafe(fn)

    # ---- the link's side (its thread) -------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:
            log.exception("venue window link thread failed")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        quiet_teardown_errors(self._loop)
        self._stop = asyncio.Event()
        self._again = asyncio.Event()
        stopping: asyncio.Future[object] = asyncio.ensure_future(self._stop.wait())
        start = not self._running
        while not self._stop.is_set():
            if start:
                self._start_process()
            client = await self._attach(stopping)
            if client is None:
                if self._stop.is_set():
                    break
                self._lose("the venue link did not answer")
            else:
                await self._follow(client, stopping)
                if self._stop.is_set():
                    break
                if client.ending is None:
                    self._lose("the venue link process ended")
            # Lost, or its run ended: wait for the crew to join again (or to close the app).
            again: asyncio.Future[object] = asyncio.ensure_future(self._again.wait())
            await asyncio.wait([again, stopping], return_when=asyncio.FIRST_COMPLETED)
            again.cancel()
            self._again.clear()
            start = True
        stopping.cancel()

    def _start_process(self) -> None:
        assert self._spawn is not None
        self.is_lost = False
        self._set_view(VenueView())
        self.process = self._spawn()
        log.info("venue link process started (pid %d)", self.process.pid)

    async def _attach(self, stopping: asyncio.Future[object]) -> WindowClient | None:
        """Attach, retrying while the link process starts; None when it ended or never answered."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._stop_set() and time.monotonic() < deadline:
            try:
                return await WindowClient.connect(self.path, self.token, window_name())
            except LinkError as exc:
                if exc.reason is not None:  # refused: trying again changes nothing
                    log.error("venue link refused this window: %s", exc)
                    return None
            except OSError:
                pass
            if self.process is None or self.process.poll() is not None:
                return None  # nothing is starting there: it is gone
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(stopping), RETRY_S)
        return None

    def _stop_set(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _follow(self, client: WindowClient, stopping: asyncio.Future[object]) -> None:
        self._client = client
        self.welcome = client.welcome
        log.info(
            "attached to the venue link of %s/%s (pid %d)",
            client.welcome.ceremony_id,
            client.welcome.venue_id,
            client.welcome.link_pid,
        )
        client.on_state = self._set_view
        client.on_picture = self._on_picture
        if self._size != (0, 0):
            client.send(vw.WantPicture(*self._size))
        reading: asyncio.Future[object] = asyncio.ensure_future(client.run())
        await asyncio.wait([reading, stopping], return_when=asyncio.FIRST_COMPLETED)
        self._client = None
        if self._stop_set() and self._leave:
            await client.leave()
            log.info("the window left: the venue link ends")
        await client.close()
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)

    def _on_picture(self, picture: vw.Picture) -> None:
        bgra = bgra_from_i420(picture.i420, picture.width, picture.height)
        with self._lock:
            self._picture = (picture.width, picture.height, bgra)
        self.picture.emit()

    def _set_view(self, view: VenueView) -> None:
        with self._lock:
            self._view = view
        self.changed.emit()

    def _lose(self, why: str) -> None:
        log.warning("%s: the hall has no link to the studio until the crew joins again", why)
        self.is_lost = True
        if self.process is not None:
            self.process.poll()  # reaps it, if it was ours
        with self._lock:
            view = self._view
        self._set_view(
            VenueView(
                link=LinkState.STOPPED,
                link_detail=why,
                welcome=view.welcome,
                program=view.program,
                program_at=view.program_at,
                chat=view.chat,
            )
        )
        self.lost.emit()
