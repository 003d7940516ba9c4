"""Keeps a venue's malformed data-channel traffic from killing its whole peer connection.

aiortc decodes text messages (`data.decode("utf8")`) and data-channel control messages (labels,
asserts on stream ids) inside its SCTP receive path; an exception there escapes into the DTLS
transport's task, which logs a traceback and closes the transport: picture, sound and control
all gone, from one bad byte. This wraps that one method of one SCTP transport: text that is not
UTF-8 is handed on as bytes (our wire decoder refuses it with a reason), and any other failure
drops that one message, counted, never raised.

A reach-in to aiortc's private `RTCSctpTransport._data_channel_receive` (aiortc 1.16); checked at
wrap time: if it is gone, the guard says so once and the connection runs unguarded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiortc.rtcsctptransport import RTCSctpTransport

log = logging.getLogger(__name__)

_WEBRTC_STRING = 51
_WEBRTC_BINARY = 53
_warned = False


def guard_data_channels(sctp: RTCSctpTransport, peer: str) -> bool:
    """Wrap `sctp`'s data-channel receive path; False if this aiortc has no such method."""
    global _warned  # noqa: PLW0603 - one warning per process about the library, not per peer
    original: Callable[[int, int, bytes], Awaitable[None]] | None = getattr(
        sctp, "_data_channel_receive", None
    )
    if original is None:
        if not _warned:
            _warned = True
            log.warning("aiortc changed: malformed data-channel input is not guarded")
        return False
    dropped = 0

    async def receive(stream_id: int, pp_id: int, data: bytes) -> None:
        nonlocal dropped
        if pp_id == _WEBRTC_STRING:
            try:
                data.decode("utf8")
            except UnicodeDecodeError:
                pp_id = _WEBRTC_BINARY  # the wire decoder refuses it, with an error reply
        try:
            await original(stream_id, pp_id, data)
        except Exception:
            dropped += 1
            if dropped == 1 or dropped % 1000 == 0:
                log.warning("%s: %d unusable data-channel message(s) dropped", peer, dropped)

    setattr(sctp, "_data_channel_receive", receive)  # noqa: B010 - an instance attribute
    return True
