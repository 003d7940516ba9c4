"""What a session call returns: messages to send, refusals to answer, and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from ceremony import wire


class Channel(StrEnum):
    CONTROL = "control"  # reliable, ordered
    CLOCK = "clock"  # unordered, no retransmission: clock probes only


@dataclass(frozen=True)
class Send:
    """Send `message` to `venue_id` (the studio's side; a venue's sends leave it "")."""

    message: wire._Msg
    venue_id: str = ""
    channel: Channel = Channel.CONTROL


@dataclass(frozen=True)
class Refuse:
    """Answer an unusable message with a wire `error` (the channel rate-limits these)."""

    code: wire.ErrorCode
    detail: str
    venue_id: str = ""


E = TypeVar("E")


@dataclass
class Output(Generic[E]):
    sends: list[Send | Refuse] = field(default_factory=list)
    events: list[E] = field(default_factory=list)

    def send(
        self, message: wire._Msg, venue_id: str = "", channel: Channel = Channel.CONTROL
    ) -> None:
        self.sends.append(Send(message, venue_id, channel))

    def refuse(self, code: wire.ErrorCode, detail: str, venue_id: str = "") -> None:
        self.sends.append(Refuse(code, detail, venue_id))

    def extend(self, other: Output[E]) -> None:
        self.sends.extend(other.sends)
        self.events.extend(other.events)
