"""Time-limited TURN credentials in coturn's REST scheme (`use-auth-secret`).

The studio and the TURN server share one secret. For each venue, at join, the studio makes
    username = "<expiry epoch seconds>:<venue id>"
    password = base64(HMAC-SHA1(secret, username))
and the TURN server checks the same HMAC and that the expiry has not passed. So an invite never
carries a TURN secret: a leaked credential works for one venue, for a few hours.

Pure: time comes in as `now`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

DEFAULT_TTL_S = 12 * 3600.0  # a ceremony day; a venue fetches new ones at every (re)join

_URL = re.compile(r"(?P<scheme>turns?):(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(?P<port>\d+)")


class TurnUrlError(ValueError):
    """A --turn-url that is not turn:HOST:PORT or turns:HOST:PORT."""


@dataclass(frozen=True)
class TurnCredential:
    username: str
    password: str
    expires: float  # epoch seconds


@dataclass(frozen=True)
class TurnServer:
    """Where the TURN server listens. turn: offers UDP and TCP on one port; turns: TLS (TCP)."""

    scheme: str
    host: str
    port: int

    def urls(self) -> list[str]:
        """Every transport a venue may try, best first (UDP, then TCP or TLS)."""
        base = f"{self.scheme}:{self.host}:{self.port}"
        if self.scheme == "turns":
            return [f"{base}?transport=tcp"]
        return [f"{base}?transport=udp", f"{base}?transport=tcp"]


def parse_turn_url(text: str) -> TurnServer:
    match = _URL.fullmatch(text.strip())
    if match is None:
        raise TurnUrlError(f"{text!r} is not turn:HOST:PORT or turns:HOST:PORT")
    port = int(match["port"])
    if not 0 < port < 65536:
        raise TurnUrlError(f"{text!r}: port {port} is out of range")
    return TurnServer(match["scheme"], match["host"], port)


def turn_credential(
    secret: bytes, venue_id: str, *, now: float, ttl_s: float = DEFAULT_TTL_S
) -> TurnCredential:
    """coturn's REST credential for `venue_id`, valid until now + ttl_s."""
    if not secret:
        raise ValueError("the TURN secret is empty")
    if ":" in venue_id:
        raise ValueError(f"venue id {venue_id!r} contains ':' (the REST username separator)")
    expires = int(now + ttl_s)
    username = f"{expires}:{venue_id}"
    digest = hmac.new(secret, username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode(), float(expires))


__all__ = [
    "DEFAULT_TTL_S",
    "TurnCredential",
    "TurnServer",
    "TurnUrlError",
    "grant_document",
    "parse_turn_url",
    "turn_credential",
]


def grant_document(
    server: TurnServer, secret: bytes, venue_id: str, *, now: float, ttl_s: float = DEFAULT_TTL_S
) -> dict[str, object]:
    """What the studio answers an authenticated venue's `POST /ice`: the TURN URLs (best first)
    with a credential for that venue alone."""
    cred = turn_credential(secret, venue_id, now=now, ttl_s=ttl_s)
    return {
        "urls": server.urls(),
        "username": cred.username,
        "credential": cred.password,
        "expires": cred.expires,
    }
