from __future__ import annotations

import pytest

from ceremony import wire
from ceremony.invite import Invite, InviteError, check_token, parse_invite, sign_token

SECRET = b"s" * 32
VENUES = {"a", "b"}


def decode_from_venue(data: str) -> wire.Message:
    return wire.decode(data, wire.VENUE_MAY_SEND)


def test_round_trip() -> None:
    msg = wire.Stats(
        program_fps=25.0,
        program_frames=10,
        audio_frames=5,
        video_fps_sent=15.0,
        video_frames_sent=9,
        reconnects=0,
    )
    assert decode_from_venue(wire.encode(msg).decode()) == msg


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("{", wire.ErrorCode.MALFORMED),
        ("[1, 2]", wire.ErrorCode.MALFORMED),
        ('{"type": "heartbeat"}', wire.ErrorCode.MALFORMED),
        ('{"type": 7}', wire.ErrorCode.UNKNOWN_TYPE),
        ('{"type": "nope"}', wire.ErrorCode.UNKNOWN_TYPE),
        ('{"type": "heartbeat", "seq": 1, "v": 2}', wire.ErrorCode.UNSUPPORTED_VERSION),
        ('{"type": "operator", "action": "go"}', wire.ErrorCode.FORBIDDEN),
        ('{"type": "welcome", "studio": "x"}', wire.ErrorCode.FORBIDDEN),
        ('{"type": "chat", "text": "' + "a" * 600 + '"}', wire.ErrorCode.TOO_LARGE),
        ("x" * (wire.MAX_MESSAGE_BYTES + 1), wire.ErrorCode.TOO_LARGE),
    ],
)
def test_bad_messages(data: str, code: wire.ErrorCode) -> None:
    with pytest.raises(wire.WireError) as info:
        decode_from_venue(data)
    assert info.value.code is code
    assert info.value.reply().code is code


def invite(**changes: object) -> Invite:
    fields: dict[str, object] = {
        "studio": "Studio",
        "addresses": ["127.0.0.1:8443"],
        "ceremony_id": "c",
        "ceremony_title": "C",
        "venue_id": "a",
        "venue_name": "A",
        "fingerprint": "AA:BB",
        "expires": 2000.0,
        "token": sign_token(SECRET, "a", "c", 2000.0),
    }
    fields.update(changes)
    return Invite(**fields)  # type: ignore[arg-type]


def test_invite_string_round_trip_survives_line_breaks() -> None:
    text = invite().to_string()
    wrapped = "\n".join(text[i : i + 40] for i in range(0, len(text), 40))
    assert parse_invite("  " + wrapped + "\n") == invite()


@pytest.mark.parametrize("text", ["", "hello", "CEREMONY1:@@@", "CEREMONY1:" + "A" * 5000])
def test_damaged_invites(text: str) -> None:
    with pytest.raises(InviteError):
        parse_invite(text)


def check(i: Invite, now: float = 1000.0) -> wire.JoinRefusal | None:
    result = check_token(
        SECRET,
        venue_id=i.venue_id,
        ceremony_id=i.ceremony_id,
        expires=i.expires,
        token=i.token,
        known_venues=VENUES,
        expected_ceremony="c",
        now_wall=now,
    )
    return None if result is None else result[0]


def test_token_checks() -> None:
    assert check(invite()) is None
    assert check(invite(), now=2001.0) is wire.JoinRefusal.EXPIRED
    assert check(invite(token="f" * 64)) is wire.JoinRefusal.BAD_TOKEN
    assert check(invite(expires=3000.0)) is wire.JoinRefusal.BAD_TOKEN  # extended by hand
    assert check(invite(venue_id="b")) is wire.JoinRefusal.OTHER_VENUE
    assert check(invite(venue_id="z")) is wire.JoinRefusal.UNKNOWN_VENUE
    assert check(invite(ceremony_id="x")) is wire.JoinRefusal.WRONG_CEREMONY
    other_secret = sign_token(b"t" * 32, "a", "c", 2000.0)
    assert check(invite(token=other_secret)) is wire.JoinRefusal.BAD_TOKEN
