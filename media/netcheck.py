"""The network checks behind `ceremony doctor`: run at a venue before the day, from the hall's
own network, with the venue's invite. Each check is what the real join does, one step at a time:
the signaling port over TLS with the invite's pinned certificate, the studio accepting the
invite (and handing out TURN credentials), UDP out, and a TURN allocation over UDP and TCP."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import msgspec
from aioice.turn import create_turn_endpoint

from ceremony.doctor import Check, Findings
from ceremony.invite import Invite
from media.ice import udp_answers
from media.tls import fingerprint_bytes

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 5.0


async def run_checks(invite: Invite, timeout: float = CHECK_TIMEOUT_S) -> Findings:
    findings = Findings(studio=invite.addresses[0] if invite.addresses else "?")
    turn = await _signaling(invite, findings, timeout)
    if not isinstance(turn, dict):
        return findings
    try:
        url = str(turn["urls"][0])
        username, password = str(turn["username"]), str(turn["credential"])
    except (KeyError, IndexError, TypeError):
        findings.notes.append("data relay dari studio rusak (malformed TURN grant)")
        return findings
    scheme, rest = url.split(":", 1)
    host, _, port_text = rest.split("?", 1)[0].rpartition(":")
    port = int(port_text)
    findings.turn_server = f"{host}:{port}"
    tls = scheme == "turns"
    if not tls:
        findings.udp = Check.OK if await udp_answers(host, port) else Check.FAILED
        findings.turn_udp = (
            await _allocate(host, port, username, password, "udp", tls=False, timeout=timeout)
            if findings.udp is Check.OK
            else Check.FAILED
        )
    findings.turn_tcp = await _allocate(
        host, port, username, password, "tcp", tls=tls, timeout=timeout
    )
    return findings


async def _signaling(invite: Invite, f: Findings, timeout: float) -> object:
    """Fill in the signaling, certificate and invite checks; the TURN grant, if any."""
    pin = aiohttp.Fingerprint(fingerprint_bytes(invite.fingerprint))
    body = msgspec.json.encode(invite)  # the invite as signed, checked like a join
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http:
        for address in invite.addresses:
            f.studio = address
            try:
                async with http.post(f"https://{address}/ice", data=body, ssl=pin) as response:
                    f.signaling = f.certificate = Check.OK
                    answer = await response.json(content_type=None)
            except aiohttp.ServerFingerprintMismatch:
                f.signaling, f.certificate = Check.OK, Check.FAILED
                return None
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                f.signaling = Check.FAILED
                f.notes.append(f"{address}: {type(exc).__name__}")
                continue
            if response.status == 200 and isinstance(answer, dict):
                f.invite = Check.OK
                return answer.get("turn")
            f.invite = Check.FAILED
            f.invite_detail = str(answer.get("detail", "")) if isinstance(answer, dict) else ""
            f.invite_detail = f.invite_detail or f"HTTP {response.status}"
            return None
    return None


async def _allocate(
    host: str, port: int, username: str, password: str, transport: str, *, tls: bool,
    timeout: float,
) -> Check:  # fmt: skip
    """Whether the TURN server grants a relay allocation over `transport`."""
    try:
        relay, probe = await asyncio.wait_for(
            create_turn_endpoint(
                _Released,
                (host, port),
                username,
                password,
                ssl=tls or None,
                transport=transport,
            ),
            timeout,
        )
    except Exception as exc:  # any failure means: this way does not work from here
        log.info("TURN allocation over %s failed: %r", transport, exc)
        return Check.FAILED
    relay.close()  # releases the allocation on the server; wait so the loop can end cleanly
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(probe.released.wait(), timeout)
    return Check.OK


class _Released(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.released = asyncio.Event()

    def connection_lost(self, exc: Exception | None) -> None:
        self.released.set()


__all__ = ["run_checks"]
