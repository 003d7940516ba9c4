"""Invites: one pasteable string per venue, carrying where the studio is, how to recognise its
certificate, and a token the studio signed for that venue alone.

Token = HMAC-SHA256(studio secret, venue id | ceremony id | expiry). Verification takes the time
as an argument, like everything in the pure core.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

import msgspec

from ceremony.invite_link import invite_from_link
from ceremony.wire import JoinRefusal

INVITE_PREFIX = "CEREMONY1:"
MAX_INVITE_CHARS = 4096


class Invite(msgspec.Struct, frozen=True, kw_only=True):
    studio: str  # the studio's display name
    addresses: list[str]  # "host:port" to try in order
    ceremony_id: str
    ceremony_title: str
    venue_id: str
    venue_name: str
    fingerprint: str  # SHA-256 of the studio certificate, hex with colons
    expires: float  # epoch seconds
    token: str

    def to_string(self) -> str:
        body = base64.urlsafe_b64encode(msgspec.json.encode(self)).decode().rstrip("=")
        return INVITE_PREFIX + body


class InviteError(ValueError):
    """An invite string that cannot be read; the message says what to check."""


def parse_invite(text: str) -> Invite:
    t = "".join(text.split())  # pasted from chat apps with line breaks
    t = invite_from_link(t)  # a ceremony://join?invite=… link holds the same text
    if len(t) > MAX_INVITE_CHARS:
        raise InviteError(f"the invite is too long ({len(t)} characters); was more pasted?")
    if not t.startswith(INVITE_PREFIX):
        raise InviteError(f"an invite starts with {INVITE_PREFIX}; check it was copied whole")
    body = t[len(INVITE_PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return msgspec.json.decode(data, type=Invite)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InviteError("the invite is damaged; ask the studio to send it again") from None


def _message(venue_id: str, ceremony_id: str, expires: float) -> bytes:
    return f"{venue_id}|{ceremony_id}|{expires:.0f}".encode()


def sign_token(secret: bytes, venue_id: str, ceremony_id: str, expires: float) -> str:
    return hmac.new(secret, _message(venue_id, ceremony_id, expires), hashlib.sha256).hexdigest()


def check_token(
    secret: bytes,
    *,
    venue_id: str,
    ceremony_id: str,
    expires: float,
    token: str,
    known_venues: set[str],
    expected_ceremony: str,
    now_wall: float,
) -> tuple[JoinRefusal, str] | None:
    """None when the venue may join; otherwise the refusal and a sentence for its crew."""
    if venue_id not in known_venues:
        return JoinRefusal.UNKNOWN_VENUE, f"venue {venue_id!r} is not in this ceremony's run-sheet"
    if ceremony_id != expected_ceremony:
        return JoinRefusal.WRONG_CEREMONY, (
            f"the invite is for ceremony {ceremony_id!r}; the studio is running "
            f"{expected_ceremony!r}"
        )
    good = sign_token(secret, venue_id, ceremony_id, expires)
    if not hmac.compare_digest(good, token):
        for other in known_venues - {venue_id}:
            if hmac.compare_digest(sign_token(secret, other, ceremony_id, expires), token):
                return JoinRefusal.OTHER_VENUE, f"this invite belongs to venue {other!r}"
        return JoinRefusal.BAD_TOKEN, "the invite's signature does not match; ask for a new invite"
    if now_wall > expires:
        return JoinRefusal.EXPIRED, "the invite has expired; ask the studio for a new one"
    return None
