"""ICE configuration: which servers and which local addresses a peer connection may use.

aiortc falls back to a public STUN server when given no ICE servers, which stalls every
connection offline, so we always pass an explicit list (empty on a LAN). aioice also leaves
127.0.0.1 out of its host candidates; `pin_host_addresses` lets the operator (and tests, the
demo, benchmarks) choose the interfaces instead. aioice reads them through a module function,
so the pin is process-wide: call it once at start-up, from configuration. Both hooks live in
media/aiortc_compat.py with the other reach-ins into aiortc/aioice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiortc import RTCConfiguration, RTCIceServer

from media import aiortc_compat
from media.aiortc_compat import pin_host_addresses

log = logging.getLogger(__name__)


def rtc_configuration(ice_servers: Sequence[str] = ()) -> RTCConfiguration:
    """`ice_servers` as URLs (stun:host:port, turn:user:pass@host:port). Empty: none at all."""
    servers: list[RTCIceServer] = []
    for url in ice_servers:
        if url.startswith("turn") and "@" in url:
            scheme, _, rest = url.partition(":")
            cred, _, hostport = rest.partition("@")
            user, _, password = cred.partition(":")
            servers.append(
                RTCIceServer(urls=f"{scheme}:{hostport}", username=user, credential=password)
            )
        else:
            servers.append(RTCIceServer(urls=url))
    return RTCConfiguration(iceServers=servers)


SOCKET_BUFFER_BYTES = 4 * 1024 * 1024


def enlarge_socket_buffers(size: int = SOCKET_BUFFER_BYTES) -> None:
    """Give every ICE UDP socket a large kernel receive buffer.

    aioice sets 256 KiB (`aioice.turn.UDP_SOCKET_BUFFER_SIZE`, read when each socket is made).
    With that, a busy moment of a loaded event loop overflows the buffer: the kernel drops
    packets, video stalls until the next keyframe and data-channel messages wait a whole SCTP
    retransmission timeout (at least 1 s), long enough to look like a lost venue. The kernel caps
    the size at net.core.rmem_max.
    """
    aiortc_compat.set_udp_receive_buffer(size)


__all__ = ["enlarge_socket_buffers", "pin_host_addresses", "rtc_configuration"]
