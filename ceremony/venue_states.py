"""The venue link's states and the reasons it is down: what the venue app says to the crew.

Here in the core (not beside the link in media/) because they cross a process boundary: the
link runs in a process of its own and its window reads them over the window link
(`ceremony.venue_window`).
"""

from __future__ import annotations

from enum import StrEnum


class LinkState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    REFUSED = "refused"  # final: the crew must act (new invite, right venue)
    REPLACED = "replaced"  # final: another device joined as this venue
    ENDED = "ended"  # final: the studio said the ceremony is over; nothing to reconnect to
    STOPPED = "stopped"


class LinkProblem(StrEnum):
    """Why the link is down and being retried; the venue app says each one in the crew's words."""

    UNREACHABLE = "unreachable"  # no address of the invite answered (network, studio not running)
    NO_ANSWER = "no_answer"  # connected, but the studio did not answer the join in time
    CLOSED_WHILE_JOINING = "closed_while_joining"
    BAD_REPLY = "bad_reply"  # the studio answered the join with something unreadable
    NO_MEDIA = "no_media"  # joined, but the peer connection never opened (UDP blocked)
    STUDIO_QUIET = "studio_quiet"  # nothing heard from the studio for a few seconds
    STUDIO_CLOSED = "studio_closed"  # the studio closed the link (restart, or it marked us lost)
    FAILED = "failed"  # a fault in this app; the log has the traceback
