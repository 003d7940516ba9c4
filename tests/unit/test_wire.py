from __future__ import annotations

import pytest

from ceremony import wire
from ceremony.invite import (
    Invite,
    InviteClaim,
    InviteError,
    check_token,
    parse_invite,
    sign_token,
)

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


REPORT = '{"type": "fire_report", "arm_id": 3, "local_deadline": 10.0, "local_fire": 10.0002, '
REPORT += '"bound_s": 0.0004, "onset_local": 10.01, "onset_method": '


def test_a_newer_venues_onset_method_is_read_as_absent_and_the_fire_report_kept() -> None:
    """A value a newer venue added to an optional enumerated field within version 1 must not
    cost the studio the record of a fire."""
    msg = decode_from_venue(REPORT + '"laser_time"}')
    assert isinstance(msg, wire.FireReport)
    assert (msg.arm_id, msg.local_fire, msg.onset_local) == (3, 10.0002, 10.01)
    assert msg.onset_method is None
    known = decode_from_venue(REPORT + '"dac_time"}')
    assert isinstance(known, wire.FireReport) and known.onset_method == "dac_time"


@pytest.mark.parametrize("value", ["7", "[1]", '{"a": 1}'])
def test_an_onset_method_that_is_not_a_name_is_still_malformed(value: str) -> None:
    with pytest.raises(wire.WireError) as info:
        decode_from_venue(REPORT + value + "}")
    assert info.value.code is wire.ErrorCode.MALFORMED


def invite(**changes: object) -> Invite:
    fields: dict[str, object] = {
        "studio": "Studio",
        "addresses": ["127.0.0.1:8443"],
        "ceremony_id": "c",
        "ceremony_title": "C",
        "venue_id": "a",
        "venue_name": "A",
        "fingerprint": "AA:" * 31 + "AA",
        "expires": 2000.0,
    }
    signed_with = changes.pop("signed_with", {})
    assert isinstance(signed_with, dict)
    secret = changes.pop("secret", SECRET)
    assert isinstance(secret, bytes)
    claim = InviteClaim(**{**fields, **signed_with})
    fields["token"] = sign_token(secret, claim)
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


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"fingerprint": "AA:BB"}, "fingerprint"),
        ({"fingerprint": "ZZ:" * 31 + "ZZ"}, "fingerprint"),
        ({"addresses": []}, "address"),
        ({"addresses": ["studio"]}, "HOST:PORT"),
        ({"addresses": ["studio:99999"]}, "HOST:PORT"),
        ({"token": "abc"}, "token"),
    ],
)
def test_unusable_invites_say_why(change: dict[str, object], said: str) -> None:
    """A venue with such an invite would retry forever; it is told at once what is wrong."""
    with pytest.raises(InviteError, match=said):
        parse_invite(invite(**change).to_string())


def check(i: Invite, now: float = 1000.0) -> wire.JoinRefusal | None:
    result = check_token(
        SECRET,
        i.claim(),
        i.token,
        known_venues=VENUES,
        expected_ceremony="c",
        now_wall=now,
    )
    return None if result is None else result.reason


def test_token_checks() -> None:
    assert check(invite()) is None
    assert check(invite(), now=2001.0) is wire.JoinRefusal.EXPIRED
    assert check(invite(token="f" * 64)) is wire.JoinRefusal.BAD_TOKEN
    assert check(invite(expires=3000.0)) is wire.JoinRefusal.BAD_TOKEN  # extended by hand
    assert check(invite(venue_id="b")) is wire.JoinRefusal.OTHER_VENUE
    assert check(invite(token=invite(secret=b"t" * 32).token)) is wire.JoinRefusal.BAD_TOKEN
    # Specific reasons only for a token this studio signed:
    assert check(invite(venue_id="z", signed_with={"venue_id": "z"})) is (
        wire.JoinRefusal.UNKNOWN_VENUE
    )
    assert check(invite(ceremony_id="x", signed_with={"ceremony_id": "x"})) is (
        wire.JoinRefusal.WRONG_CEREMONY
    )


@pytest.mark.parametrize(
    "change",
    [
        {"venue_id": "z", "token": "0" * 64},  # an unknown venue: not told to a stranger
        {"ceremony_id": "x"},  # nor the ceremony the studio runs
        {"studio": "@tudio"},  # every field the venue shows is signed
        {"ceremony_title": "Something else"},
        {"venue_name": "B"},
        {"addresses": ["10.0.0.9:8443"]},
        {"fingerprint": "BB:" * 31 + "BB"},
        {"token": "é" * 64},  # non-ASCII: a refusal, not a TypeError in compare_digest
        {"token": "F" * 64},
        {"expires": float("inf")},
        {"expires": float("nan")},
        {"expires": -5.0},
    ],
)
def test_changed_or_forged_invites_get_only_bad_token(change: dict[str, object]) -> None:
    assert check(invite(**change)) is wire.JoinRefusal.BAD_TOKEN


def test_refusals_name_no_venue_to_strangers() -> None:
    forged = invite(venue_id="z", ceremony_id="x")
    result = check_token(
        SECRET,
        forged.claim(),
        forged.token,
        known_venues=VENUES,
        expected_ceremony="c",
        now_wall=1000.0,
    )
    assert result is not None and result.venue_id is None
    assert "c" not in result.detail.split() and "'z'" not in result.detail
