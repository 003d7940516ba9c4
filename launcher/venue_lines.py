"""`ceremony venue --headless`: one readable line per change of what the hall would see.

    10:02:03 item 5/9 'Laporan Wali Kota Cirebon' — ON AIR — 03:12 left

The studio re-sends the whole program state every few seconds with a fresher speaker timer: a
line is printed when something a person would notice changes (item, tally, phase, hold), not on
every message.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ceremony import wire
from ceremony.countdown import ArmState
from media.venue import LinkState, LinkStateChanged, MessageReceived, VenueEvent
from media.venue_countdown import CountdownChanged

TALLY_WORDS = {
    wire.Tally.ON_AIR: "ON AIR",
    wire.Tally.PREVIEW: "PREVIEW (on air next)",
    wire.Tally.STANDBY: "standby",
}
COUNTDOWN_WORDS = {
    ArmState.ARMED: "countdown armed",
    ArmState.FIRED: "zero — DIRESMIKAN",
    ArmState.ABORTED: "countdown aborted",
    ArmState.MISSED: "countdown missed: the arm came after its instant",
    ArmState.NO_CLOCK: "countdown NOT armed: no clock estimate yet",
}


def mm_ss(seconds: float) -> str:
    """Whole seconds rounded up, as the hall's timer shows them."""
    shown = abs(math.ceil(seconds))
    h, rest = divmod(shown, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def describe_program(state: wire.ProgramState) -> str:
    if state.ended:
        return "the ceremony has ended"
    if state.item_index is None:
        upcoming = f" (first: '{state.next_title}')" if state.next_title else ""
        return f"waiting for the ceremony to start{upcoming}"
    parts = [
        f"item {state.item_index + 1}/{state.item_count} '{state.item_title}'",
        TALLY_WORDS[state.tally],
    ]
    if state.remaining_s is not None:
        if state.held:
            parts.append(f"held at {mm_ss(state.remaining_s)}")
        elif state.remaining_s < 0:
            parts.append(f"{mm_ss(state.remaining_s)} over")
        else:
            colour = f" ({state.phase})" if state.phase in ("warning", "danger") else ""
            parts.append(f"{mm_ss(state.remaining_s)} left{colour}")
    return " — ".join(parts)


def describe_link(event: LinkStateChanged) -> str:
    words = f"link {event.state.value}"
    if event.state is LinkState.ENDED:
        return "the studio ended the ceremony: nothing more to do here"
    return f"{words} — {event.detail}" if event.detail else words


@dataclass
class VenueLines:
    """Turns the link's events into lines; None when nothing worth a line changed."""

    wall: Callable[[], float] = time.time
    _program_key: tuple[object, ...] | None = field(default=None, init=False)
    _countdown_key: tuple[int, ArmState] | None = field(default=None, init=False)

    def line(self, event: VenueEvent) -> str | None:
        text = self._text(event)
        if text is None:
            return None
        stamp = dt.datetime.fromtimestamp(self.wall()).strftime("%H:%M:%S")
        return f"{stamp} {text}"

    def _text(self, event: VenueEvent) -> str | None:
        match event:
            case LinkStateChanged():
                return describe_link(event)
            case MessageReceived(message=wire.ProgramState() as state):
                key = (
                    state.ended,
                    state.item_index,
                    state.item_title,
                    state.tally,
                    state.phase,
                    state.held,
                )
                if key == self._program_key:
                    return None  # the periodic re-send: the timer just ran on
                self._program_key = key
                return describe_program(state)
            case MessageReceived(message=wire.Cue(text=text)):
                return f"cue from the studio: {text}"
            case MessageReceived(message=wire.Chat(text=text)):
                return f"studio says: {text}"
            case CountdownChanged(arm_id=arm_id, state=state, bound_s=bound):
                if (arm_id, state) == self._countdown_key:
                    return None
                self._countdown_key = (arm_id, state)
                clock = f" (clock ±{bound * 1000:.1f} ms)" if bound is not None else ""
                return COUNTDOWN_WORDS[state] + (clock if state is ArmState.ARMED else "")
        return None
