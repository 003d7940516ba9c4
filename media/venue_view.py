"""What the venue's screens show, kept from the link's events: the one place that turns
`VenueLink` events into the view, for the window in the link's own process (ui/venue/host.py)
and for the link process that serves a window over the window link (media/venue_window_server.py).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ceremony import venue_window as vw
from ceremony import wire
from ceremony.countdown import ArmState
from media.venue import LinkProblem, LinkState, LinkStateChanged, MessageReceived, VenueLink
from media.venue_countdown import CountdownChanged

CHAT_LINES = vw.CHAT_LINES


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


_FIELDS = tuple(f.name for f in dataclasses.fields(VenueView))


def view_to_state(view: VenueView, *, sound_problem: str, seq: int) -> vw.VenueState:
    """The view as the window link carries it (the same fields, by name)."""
    return vw.VenueState(
        **{name: getattr(view, name) for name in _FIELDS}, sound_problem=sound_problem, seq=seq
    )


def state_to_view(state: vw.VenueState) -> VenueView:
    return VenueView(**{name: getattr(state, name) for name in _FIELDS})


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
            self._view = dataclasses.replace(self._view, **changes)
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
