"""ICE configuration: which servers and which local addresses a peer connection may use.

aiortc falls back to a public STUN server when given no ICE servers, which stalls every
connection offline, so we always pass an explicit list (empty on a LAN). aioice also leaves
127.0.0.1 out of its host candidates; `pin_host_addresses` lets the operator (and tests, the
demo, benchmarks) choose the interfaces instead. aioice reads them through a module function,
so the pin is process-wide: call it once at start-up, from configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import aioice.ice
import aioice.turn
from aiortc import RTCConfiguration, RTCIceServer

log = logging.getLogger(__name__)

_original_get_host_addresses: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses


def pin_host_addresses(addresses: Sequence[str] | None) -> None:
    """Gather host candidates only on `addresses` (None: every interface, aioice's default)."""
    if addresses is None:
        aioice.ice.get_host_addresses = _original_get_host_addresses  # type: ignore[assignment]
        return
    pinned = list(addresses)

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in pinned if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = get_host_addresses
    log.info("ICE host candidates pinned to %s", ", ".join(pinned))


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
    aioice.turn.UDP_SOCKET_BUFFER_SIZE = size
