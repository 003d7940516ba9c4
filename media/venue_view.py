"""What the venue's screens show, kept from the link's events: the one place that turns
`VenueLink` events into the view, for the window in the link's own process (ui/venue/host.py)
and for the link process that serves a window over the window link (media/venue_window_server.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import msgspec

from ceremony import venue_window as vw
from ceremony import wire
from media.venue import LinkStateChanged, MessageReceived, VenueLink
from media.venue_countdown import CountdownChanged

CHAT_LINES = vw.CHAT_LINES


# What the venue screens show: the window link's state, the same type in the link's process and
# in the window's (replaced whole on every change; frozen).
VenueView = vw.VenueState


class ViewKeeper:
    """The view of one link, changed by its events (on the link's loop) and read from any
    thread. `on_change` is called after every change."""

    def __init__(self, link: Callable[[], VenueLink | None], on_change: Callable[[], None]) -> None:
        self._link = link
        self._on_change = on_change
        self._lock = threading.Lock()
        self._view = VenueView()

    def view(self) -> VenueView:
        with self._lock:
            return self._view

    def update(self, **changes: Any) -> None:
        with self._lock:
            self._view = msgspec.structs.replace(self._view, **changes)
        self._on_change()

    def add_chat(self, from_studio: bool, text: str) -> None:
        with self._lock:
            chat = (*self._view.chat, (from_studio, text))[-CHAT_LINES:]
        self.update(chat=chat)

    def on_event(self, event: object) -> None:
        """A link event (program frames are not part of the view: the caller keeps them)."""
        match event:
            case LinkStateChanged():
                self.update(
                    link=event.state,
                    link_detail=event.detail,
                    refusal=event.refusal,
                    problem=event.problem,
                    retry_in_s=event.retry_in_s,
                )
            case CountdownChanged(state=state, deadline_local=deadline, bound_s=bound):
                self.update(
                    countdown_state=state, countdown_deadline=deadline, countdown_bound_s=bound
                )
            case MessageReceived(message=msg):
                self.on_message(msg)

    def on_message(self, msg: wire.Message) -> None:
        link = self._link()
        rtt = link.liveness.rtt_s * 1000 if link and link.liveness.rtt_s is not None else None
        match msg:
            case wire.Welcome():
                self.update(welcome=msg, rtt_ms=rtt)
            case wire.ProgramState():
                now = link.config.clock() if link else time.monotonic()
                estimate = link.countdown.estimator.estimate(now) if link else None
                self.update(
                    program=msg,
                    program_at=now,
                    program_offset=estimate.offset if estimate else None,
                    rtt_ms=rtt,
                )
            case wire.Cue(text=text):
                self.update(cue=text, cue_at=link.config.clock() if link else time.monotonic())
            case wire.Chat(text=text):
                self.add_chat(True, text)
            case _:
                pass
