"""How a venue turns the studio's TURN grant into ICE servers: UDP when the TURN server answers
over UDP, TCP when it does not (a firewall that blocks UDP). Real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import cast

import pytest

from media.ice import TurnGrant, plan_ice, rtc_configuration, udp_answers


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(data, addr)


@pytest.fixture
async def answering_port() -> AsyncIterator[int]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    yield transport.get_extra_info("sockname")[1]
    transport.close()


def silent_port() -> int:
    """A UDP port nobody listens on (the kernel answers ICMP unreachable: the probe fails)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def grant(port: int) -> TurnGrant:
    base = f"turn:127.0.0.1:{port}"
    return TurnGrant((f"{base}?transport=udp", f"{base}?transport=tcp"), "9:v", "pw", 9.0)


async def test_udp_is_used_when_the_turn_server_answers(answering_port: int) -> None:
    assert await udp_answers("127.0.0.1", answering_port)
    plan = await plan_ice(grant(answering_port))
    assert plan.turn_transport == "udp"
    assert [s.urls for s in plan.servers] == [
        f"stun:127.0.0.1:{answering_port}",
        f"turn:127.0.0.1:{answering_port}?transport=udp",
    ]
    assert (plan.servers[1].username, plan.servers[1].credential) == ("9:v", "pw")


async def test_tcp_is_used_when_udp_gets_no_answer() -> None:
    port = silent_port()
    assert not await udp_answers("127.0.0.1", port)
    plan = await plan_ice(grant(port))
    assert plan.turn_transport == "tcp"
    assert [s.urls for s in plan.servers] == [f"turn:127.0.0.1:{port}?transport=tcp"]


async def test_no_grant_no_servers_and_configured_ones_follow_the_plan() -> None:
    assert (await plan_ice(None)).servers == ()
    plan = await plan_ice(TurnGrant(("turns:t.example:443?transport=tcp",), "u", "p", 1.0))
    assert plan.turn_transport == "tls"
    config = rtc_configuration(["stun:other:3478"], plan.servers)
    assert [s.urls for s in config.iceServers or []] == [
        "turns:t.example:443?transport=tcp",
        "stun:other:3478",
    ]
