"""Keeps a venue's malformed data-channel traffic from killing its whole peer connection.

aiortc decodes text messages (`data.decode("utf8")`) and data-channel control messages (labels,
asserts on stream ids) inside its SCTP receive path; an exception there escapes into the DTLS
transport's task, which logs a traceback and closes the transport: picture, sound and control
all gone, from one bad byte. This wraps that one method of one SCTP transport: text that is not
UTF-8 is handed on as bytes (our wire decoder refuses it with a reason), and any other failure
drops that one message, counted, never raised.

The hook into aiortc's private receive path is media/aiortc_compat.py's (checked at start-up
with the others); if it is gone, the connection runs unguarded and start-up has said so.
"""

from __future__ import annotations

import logging

from aiortc.rtcsctptransport import RTCSctpTransport

from media import aiortc_compat
from media.aiortc_compat import DataChannelReceive

log = logging.getLogger(__name__)

_WEBRTC_STRING = 51
_WEBRTC_BINARY = 53


def guard_data_channels(sctp: RTCSctpTransport, peer: str) -> bool:
    """Wrap `sctp`'s data-channel receive path; False if this aiortc has no such method."""
    return aiortc_compat.wrap_data_channel_receive(sctp, lambda original: _guarded(original, peer))


def _guarded(original: DataChannelReceive, peer: str) -> DataChannelReceive:
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

    return receive
