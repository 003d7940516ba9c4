"""The venue link's thread and its Qt bridge (the venue app's counterpart of ui.bridge)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import av
from PySide6.QtCore import QObject, Signal

from ceremony import wire
from ceremony.countdown import ArmState
from media.loop import quiet_teardown_errors
from media.venue import (
    LinkProblem,
    LinkState,
    LinkStateChanged,
    MessageReceived,
    ProgramFrame,
    VenueEvent,
    VenueLink,
)
from media.venue_countdown import PARK_MAX_S, CountdownChanged

log = logging.getLogger(__name__)

CHAT_LINES = 50


@dataclass
class VenueView:
    """What the venue screens show; replaced whole on every change (read under the lock)."""

    link: LinkState = LinkState.CONNECTING
    link_detail: str = ""  # English, for the log and a tooltip; screens use the typed fields
    refusal: wire.JoinRefusal | None = None  # why, when `link` is REFUSED
    problem: LinkProblem | None = None  # why, when `link` is RECONNECTING
    retry_in_s: float | None = None
    welcome: wire.Welcome | None = None
    program: wire.ProgramState | None = None
    program_at: float = 0.0  # the link's clock (`VenueHost.clock`) when the state arrived
    # The clock estimate's studio - venue offset then: places the speaker's `ends_at`.
    program_offset: float | None = None
    cue: str = ""
    cue_at: float = 0.0  # the link's clock
    chat: tuple[tuple[bool, str], ...] = ()  # (from the studio?, text), oldest first
    countdown_state: ArmState | None = None
    countdown_deadline: float | None = None  # on the link's countdown clock
    countdown_bound_s: float | None = None
    rtt_ms: float | None = None


class VenueHost(QObject):
    changed = Signal()  # the view changed: read `view()`
    picture = Signal()  # a new program picture: read `latest_picture()`
    _park = Signal()  # from the firing thread: hold the GUI thread until it has fired

    def __init__(self, make_link: Callable[[], VenueLink]) -> None:
        super().__init__()
        self._make_link = make_link
        self.link: VenueLink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._view = VenueView()
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
        with self._lock:
            return self._view

    def latest_picture(self) -> av.VideoFrame | None:
        with self._lock:
            return self._picture

    def clock(self) -> float:
        return self.link.config.clock() if self.link else time.monotonic()

    def send(self, message: wire._Msg) -> None:
        """Send a message to the studio from the GUI thread (dropped while disconnected)."""
        if self.link is not None:
            self._call(self.link.send, message)

    def say(self, text: str) -> None:
        """A chat line to the studio (GUI thread); it joins the conversation shown."""
        self.send(wire.Chat(text=text))
        self._add_chat(False, text)

    def _add_chat(self, from_studio: bool, text: str) -> None:
        with self._lock:
            chat = (*self._view.chat, (from_studio, text))[-CHAT_LINES:]
        self._update(chat=chat)

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

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._view = dataclasses.replace(self._view, **changes)
        self.changed.emit()

    def _on_event(self, event: VenueEvent) -> None:
        match event:
            case LinkStateChanged():
                self._update(
                    link=event.state,
                    link_detail=event.detail,
                    refusal=event.refusal,
                    problem=event.problem,
                    retry_in_s=event.retry_in_s,
                )
            case ProgramFrame(frame=frame):
                with self._lock:
                    self._picture = frame
                now = time.monotonic()
                if now - self._last_picture_emit >= 1 / 30:
                    self._last_picture_emit = now
                    self.picture.emit()
            case CountdownChanged(state=state, deadline_local=deadline, bound_s=bound):
                self._update(
                    countdown_state=state, countdown_deadline=deadline, countdown_bound_s=bound
                )
            case MessageReceived(message=msg):
                self._on_message(msg)

    def _on_message(self, msg: wire.Message) -> None:
        link = self.link
        rtt = link.liveness.rtt_s * 1000 if link and link.liveness.rtt_s is not None else None
        match msg:
            case wire.Welcome():
                self._update(welcome=msg, rtt_ms=rtt)
            case wire.ProgramState():
                now = self.clock()
                estimate = link.countdown.estimator.estimate(now) if link else None
                self._update(
                    program=msg,
                    program_at=now,
                    program_offset=estimate.offset if estimate else None,
                    rtt_ms=rtt,
                )
            case wire.Cue(text=text):
                self._update(cue=text, cue_at=self.clock())
            case wire.Chat(text=text):
                self._add_chat(True, text)
            case _:
                pass
