"""Invites: one pasteable string per venue, carrying where the studio is, how to recognise its
certificate, and a token the studio signed for that venue alone.

Token = HMAC-SHA256(studio secret, every field of the invite the venue uses or shows): venue id
and name, ceremony id and title, studio name, addresses, certificate fingerprint and expiry. So an
invite changed on the way (a look-alike studio name, another address) is refused by the studio.

The studio authenticates first: until the token matches the claimed fields, a peer learns nothing
but `bad_token` (not whether the venue or the ceremony exist). Verification takes the time as an
argument, like everything in the pure core.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
from typing import Any, NamedTuple

import msgspec

from ceremony.invite_link import invite_from_link
from ceremony.wire import (
    MAX_ADDRESS,
    MAX_ADDRESSES,
    MAX_ID,
    MAX_TEXT,
    MAX_TOKEN,
    JoinRefusal,
)

INVITE_PREFIX = "CEREMONY1:"
MAX_INVITE_CHARS = 4096
TOKEN_CONTEXT = "ceremony-invite-token-2"  # changes whenever the signed fields change
MAX_EXPIRES = 1e11  # epoch seconds (year 5138): anything later is not a real expiry
_FINGERPRINT = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31}$")
_TOKEN = re.compile(r"^[0-9a-f]{64}$")
_ADDRESS = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")
BAD_TOKEN_DETAIL = (
    "the invite is not one this studio made, or it was changed; ask the studio for a new invite"
)


class Refusal(NamedTuple):
    reason: JoinRefusal
    detail: str  # a sentence for the venue's crew
    venue_id: str | None = None  # the venue of the genuine token; None: not authenticated


class InviteClaim(msgspec.Struct, frozen=True, kw_only=True):
    """What an invite says, without its token: the fields the token signs."""

    studio: str  # the studio's display name
    addresses: list[str]  # "host:port" to try in order
    ceremony_id: str
    ceremony_title: str
    venue_id: str
    venue_name: str
    fingerprint: str  # SHA-256 of the studio certificate, hex with colons
    expires: float  # epoch seconds

    @staticmethod
    def of(source: Any) -> InviteClaim:
        """The claimed fields of anything that carries them: an invite, a join message."""
        fields = {name: getattr(source, name) for name in InviteClaim.__struct_fields__}
        return InviteClaim(**{**fields, "addresses": list(fields["addresses"])})


class Invite(InviteClaim, frozen=True, kw_only=True):
    token: str

    def claim(self) -> InviteClaim:
        return InviteClaim.of(self)

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
        invite = msgspec.json.decode(data, type=Invite)
    except (binascii.Error, ValueError, RecursionError, msgspec.MsgspecError):
        raise InviteError("the invite is damaged; ask the studio to send it again") from None
    problem = invite_problem(invite)
    if problem is not None:
        raise InviteError(f"the invite is damaged ({problem}); ask the studio to send it again")
    return invite


def invite_problem(invite: Invite) -> str | None:
    """Why this invite cannot be used as it is (None: it can). Said before anything is tried,
    so a venue never retries forever with an invite that cannot work."""
    if not _FINGERPRINT.match(invite.fingerprint):
        return "its certificate fingerprint is not 32 hex pairs"
    if not invite.addresses or len(invite.addresses) > MAX_ADDRESSES:
        return f"it must list 1 to {MAX_ADDRESSES} studio addresses"
    for address in invite.addresses:
        m = _ADDRESS.match(address) if len(address) <= MAX_ADDRESS else None
        if m is None or not 0 < int(m.group(1)) < 65536:
            return "a studio address is not HOST:PORT"
    if not _TOKEN.match(invite.token) or len(invite.token) != MAX_TOKEN:
        return "its token is not 64 hex digits"
    if not math.isfinite(invite.expires) or not 0 <= invite.expires <= MAX_EXPIRES:
        return "its expiry is not a date"
    if len(invite.venue_id) > MAX_ID or len(invite.ceremony_id) > MAX_ID:
        return "an id is too long"
    if max(len(invite.studio), len(invite.ceremony_title), len(invite.venue_name)) > MAX_TEXT:
        return "a name is too long"
    return None


def _signed_bytes(claim: InviteClaim) -> bytes:
    # A JSON array: unambiguous whatever the fields contain (no separator to smuggle in).
    return msgspec.json.encode(
        [
            TOKEN_CONTEXT,
            claim.venue_id,
            claim.ceremony_id,
            int(claim.expires),
            claim.studio,
            claim.ceremony_title,
            claim.venue_name,
            list(claim.addresses),
            claim.fingerprint.upper(),
        ]
    )


def sign_token(secret: bytes, claim: InviteClaim) -> str:
    return hmac.new(secret, _signed_bytes(claim), hashlib.sha256).hexdigest()


def _matches(secret: bytes, claim: InviteClaim, token: bytes) -> bool:
    return hmac.compare_digest(sign_token(secret, claim).encode(), token)


def check_token(
    secret: bytes,
    claim: InviteClaim,
    token: str,
    *,
    known_venues: set[str],
    expected_ceremony: str,
    now_wall: float,
) -> Refusal | None:
    """None when the venue may join; otherwise the refusal and a sentence for its crew.

    Never raises, whatever the claim and token hold. Only a peer holding a token this studio
    signed hears a specific reason; everyone else gets BAD_TOKEN.
    """
    bad = Refusal(JoinRefusal.BAD_TOKEN, BAD_TOKEN_DETAIL)
    if not isinstance(token, str) or not _TOKEN.match(token):
        return bad  # also keeps non-ASCII text away from compare_digest (a TypeError there)
    expires = claim.expires
    if not isinstance(expires, float | int) or not math.isfinite(expires):
        return bad
    if not 0 <= expires <= MAX_EXPIRES:
        return bad
    raw = token.encode("ascii")
    if not _matches(secret, claim, raw):
        for other in sorted(known_venues - {claim.venue_id}):
            if _matches(secret, msgspec.structs.replace(claim, venue_id=other), raw):
                # The holder has a genuine invite of ours, for that venue: no secret is told.
                return Refusal(
                    JoinRefusal.OTHER_VENUE, f"this invite belongs to venue {other!r}", other
                )
        return bad
    if claim.ceremony_id != expected_ceremony:
        return Refusal(
            JoinRefusal.WRONG_CEREMONY,
            f"the invite is for ceremony {claim.ceremony_id!r}; the studio is running "
            f"{expected_ceremony!r}",
            claim.venue_id,
        )
    if claim.venue_id not in known_venues:
        return Refusal(
            JoinRefusal.UNKNOWN_VENUE,
            f"venue {claim.venue_id!r} is no longer in this ceremony's run-sheet",
            claim.venue_id,
        )
    if now_wall > expires:
        return Refusal(
            JoinRefusal.EXPIRED,
            "the invite has expired; ask the studio for a new one",
            claim.venue_id,
        )
    return None
