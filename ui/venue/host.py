"""The venue link's thread and its Qt bridge (the venue app's counterpart of ui.bridge): the
link in the window's own process. The app runs the link as a process of its own and attaches
with ui/venue/remote_host.py; this host serves the tests and the screenshots."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

import av
from PySide6.QtCore import QObject, Signal

from ceremony import wire
from media.loop import quiet_teardown_errors
from media.venue import ProgramFrame, VenueEvent, VenueLink
from media.venue_countdown import PARK_MAX_S
from media.venue_view import VenueView, ViewKeeper

log = logging.getLogger(__name__)

__all__ = ["VenueHost", "VenueView"]


class VenueHost(QObject):
    changed = Signal()  # the view changed: read `view()`
    picture = Signal()  # a new program picture: read `latest_picture()`
    lost = Signal()  # never here (the link is in this process); see RemoteVenueHost
    _park = Signal()  # from the firing thread: hold the GUI thread until it has fired

    def __init__(self, make_link: Callable[[], VenueLink]) -> None:
        super().__init__()
        self._make_link = make_link
        self.link: VenueLink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._keeper = ViewKeeper(lambda: self.link, self.changed.emit)
        self._picture: av.VideoFrame | None = None
        self._last_picture_emit = 0.0
        self._thread = threading.Thread(target=self._run, name="venue-link", daemon=True)
        self._released: threading.Event | None = None
        self._park.connect(self._hold_gui)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        if self.link is not None:
            self._call(self.link.stop)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _call(self, fn: Callable[..., object], *args: object) -> None:
        """Run `fn` on the link's loop; nothing once the link has finished (refused, replaced,
        ended: its loop is closed)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closed between the check and the call
            loop.call_soon_threadsafe(fn, *args)

    def view(self) -> VenueView:
        return self._keeper.view()

    def latest_picture(self) -> av.VideoFrame | None:
        with self._lock:
            return self._picture

    def clock(self) -> float:
        return self.link.config.clock() if self.link else time.monotonic()

    def sound_problem(self) -> str:
        """The speaker's own words when it cannot play (empty while it plays)."""
        link = self.link
        return (link.speaker.problem or "") if link is not None else ""  # a str: read whole

    def want_picture(self, width: int, height: int) -> None:
        """Nothing to ask: the screens fit the link's frames themselves (same process)."""

    def rejoin(self) -> bool:
        """The window joins again with a new host (this one cannot start its link again)."""
        return False

    def send(self, message: wire._Msg) -> None:
        """Send a message to the studio from the GUI thread (dropped while disconnected)."""
        if self.link is not None:
            self._call(self.link.send, message)

    def say(self, text: str) -> None:
        """A chat line to the studio (GUI thread); it joins the conversation shown."""
        self.send(wire.Chat(text=text))
        self._keeper.add_chat(False, text)

    def screen_shown(self, late_s: float) -> None:
        """GUI thread: the zero screen was painted `late_s` after the deadline; reported."""
        link = self.link
        if self._loop is not None and link is not None:
            self._loop.call_soon_threadsafe(link.countdown.zero_screen_shown, late_s)

    def set_ready(self, ready: bool, contact: str) -> None:
        if self.link is not None:
            self._call(self.link.set_ready, ready, contact)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        quiet_teardown_errors(self._loop)
        link = self._make_link()
        self.link = link
        link.subscribe(self._on_event)
        link.countdown.also_quiet.append(self._request_hold)
        await link.run()

    def _request_hold(self, released: threading.Event) -> None:
        """Firing thread, on its final approach (~25 ms before zero at real-time priority, ~55
        at ordinary): a video frame being painted then (the GUI thread holding the interpreter
        lock for milliseconds) must not make the siren late."""
        self._released = released
        self._park.emit()  # queued: runs on the GUI thread

    def _hold_gui(self) -> None:
        released = self._released
        if released is not None:
            released.wait(PARK_MAX_S)

    def _on_event(self, event: VenueEvent) -> None:
        if isinstance(event, ProgramFrame):
            with self._lock:
                self._picture = event.frame
            now = time.monotonic()
            if now - self._last_picture_emit >= 1 / 30:
                self._last_picture_emit = now
                self.picture.emit()
            return
        self._keeper.on_event(event)

    def _on_message(self, msg: wire.Message) -> None:
        self._keeper.on_message(msg)
