"""ICE configuration: which servers and which local addresses a peer connection may use.

aiortc falls back to a public STUN server when given no ICE servers, which stalls every
connection offline, so we always pass an explicit list (empty on a LAN). aioice also leaves
127.0.0.1 out of its host candidates; `pin_host_addresses` lets the operator (and tests, the
demo, benchmarks) choose the interfaces instead. aioice reads them through a module function,
so the pin is process-wide: call it once at start-up, from configuration. Both hooks live in
media/aiortc_compat.py with the other reach-ins into aiortc/aioice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

from media import aiortc_compat
from media.aiortc_compat import local_candidates, pin_host_addresses

log = logging.getLogger(__name__)

UDP_PROBE_TIMEOUT_S = 1.0  # a STUN answer from the TURN server takes one round trip


@dataclass(frozen=True)
class TurnGrant:
    """Short-lived TURN credentials the studio gave this venue (see ceremony/turn.py)."""

    urls: tuple[str, ...]  # best first: turn:h:p?transport=udp, …?transport=tcp
    username: str
    credential: str
    expires: float


@dataclass(frozen=True)
class IcePlan:
    """What one join uses: the servers for aiortc and the TURN transport chosen ("" none)."""

    servers: tuple[RTCIceServer, ...]
    turn_transport: str = ""


def rtc_configuration(
    ice_servers: Sequence[str] = (), extra: Sequence[RTCIceServer] = ()
) -> RTCConfiguration:
    """`ice_servers` as URLs (stun:host:port, turn:user:pass@host:port). Empty: none at all.

    `extra` come first (an IcePlan's): aiortc uses only the first STUN and the first TURN server.
    """
    servers: list[RTCIceServer] = list(extra)
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


async def udp_answers(host: str, port: int, timeout: float = UDP_PROBE_TIMEOUT_S) -> bool:
    """Whether a STUN Binding request over UDP to host:port gets any answer in time: tells a
    venue whether its network lets UDP out to the TURN server (many government networks do
    not; then TURN over TCP is the way)."""
    loop = asyncio.get_running_loop()
    answered = loop.create_future()
    request = aiortc_compat.stun_binding_request()

    class Probe(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
            if not answered.done():
                answered.set_result(True)

        def error_received(self, exc: Exception) -> None:
            if not answered.done():
                answered.set_result(False)

    try:
        transport, _ = await loop.create_datagram_endpoint(Probe, remote_addr=(host, port))
    except OSError:
        return False
    try:
        for _ in range(3):  # a lost probe must not send a venue to TCP needlessly
            transport.sendto(request)
            with contextlib.suppress(TimeoutError):
                return bool(await asyncio.wait_for(asyncio.shield(answered), timeout / 3))
        return False
    finally:
        transport.close()


def _host_port(url: str) -> tuple[str, int]:
    rest = url.split(":", 1)[1].split("?", 1)[0]
    host, _, port = rest.rpartition(":")
    return host.strip("[]"), int(port)


async def plan_ice(grant: TurnGrant | None) -> IcePlan:
    """The servers for one join from the studio's TURN grant.

    ICE itself prefers a direct path (host, then server-reflexive candidates) and uses the relay
    only when nothing direct answers; but aiortc takes a single TURN server, so the transport is
    chosen here: UDP when the TURN server answers over UDP (then also STUN from it, for a
    server-reflexive candidate), otherwise TCP (or TLS for turns:), which passes firewalls that
    allow only TCP.
    """
    if grant is None or not grant.urls:
        return IcePlan(())
    udp = [u for u in grant.urls if u.startswith("turn:") and u.endswith("transport=udp")]
    stream = [u for u in grant.urls if u not in udp]
    chosen, servers = None, []
    if udp:
        host, port = _host_port(udp[0])
        if await udp_answers(host, port):
            chosen = udp[0]
            servers.append(RTCIceServer(urls=f"stun:{host}:{port}"))
        else:
            log.info("no UDP answer from the TURN server %s:%d; relaying over TCP", host, port)
    if chosen is None and stream:
        chosen = stream[0]
    if chosen is None:
        return IcePlan(())
    servers.append(RTCIceServer(urls=chosen, username=grant.username, credential=grant.credential))
    transport = "tls" if chosen.startswith("turns:") else chosen.rpartition("=")[2]
    return IcePlan(tuple(servers), transport)


def describe_path(pc: RTCPeerConnection, turn_transport: str = "") -> str:
    """The path a connected peer connection uses ("" before ICE has chosen):

    "relay/udp", "relay/tcp", "relay/tls": this side relays, over that transport to the TURN
    server (what a firewall sees); "relay": the other side relays; "srflx/udp": direct through
    a NAT (this side learned a public address unlike its own, or the other side arrived from a
    translated one); "host/udp": direct, no translation.
    """
    pair = aiortc_compat.selected_candidates(pc)
    if pair is None:
        return ""
    local, remote = pair
    if local.type == "relay":
        return f"relay/{turn_transport or 'udp'}"
    if remote.type == "relay":
        return "relay"
    translated = remote.type in ("srflx", "prflx") or any(
        c.type == "srflx" and c.relatedAddress == local.host and c.ip != local.host
        for c in local_candidates(pc)
    )
    return f"{'srflx' if translated else 'host'}/{local.transport.lower()}"


SOCKET_BUFFER_BYTES = 4 * 1024 * 1024


def enlarge_socket_buffers(size: int = SOCKET_BUFFER_BYTES) -> None:
    """Give every ICE UDP socket a large kernel receive buffer.

    aioice sets 256 KiB (media/aiortc_compat.py says where). With that, a busy moment of a
    loaded event loop overflows the buffer: the kernel drops packets, video stalls until the next
    keyframe and data-channel messages wait a whole SCTP retransmission timeout (at least 1 s),
    long enough to look like a lost venue. The kernel caps
    the size at net.core.rmem_max.
    """
    aiortc_compat.set_udp_receive_buffer(size)


__all__ = [
    "IcePlan",
    "TurnGrant",
    "describe_path",
    "enlarge_socket_buffers",
    "local_candidates",
    "pin_host_addresses",
    "plan_ice",
    "rtc_configuration",
    "udp_answers",
]
