"""Fuzzing what a stranger can send: any bytes into the decoders, any token into the invite
check. The promise under test: a WireError (or a refusal), never any other exception."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceremony import wire
from ceremony.invite import InviteClaim, InviteError, check_token, parse_invite, sign_token

SECRET = b"k" * 32
CLAIM = InviteClaim(
    studio="Studio",
    addresses=["127.0.0.1:8443"],
    ceremony_id="c",
    ceremony_title="C",
    venue_id="a",
    venue_name="A",
    fingerprint="AA:" * 31 + "AA",
    expires=2000.0,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
tags = st.sampled_from([*wire._TAGS, "nope", ""])


def _decodes_or_refuses(data: bytes | str, allowed: frozenset[type[wire._Msg]]) -> None:
    try:
        message = wire.decode(data, allowed, limit=wire.MAX_SIGNAL_BYTES)
    except wire.WireError as exc:
        assert exc.code in wire.ErrorCode
        assert len(exc.reply().detail) <= 300
        return
    assert type(message) in allowed


@FUZZ
@given(st.binary(max_size=2048))
def test_any_bytes_give_a_message_or_a_wire_error(data: bytes) -> None:
    for allowed in (wire.VENUE_MAY_SEND, wire.STUDIO_MAY_SEND, wire.SIGNALING_FROM_VENUE):
        _decodes_or_refuses(data, allowed)


@FUZZ
@given(st.text(max_size=512))
def test_any_text_gives_a_message_or_a_wire_error(data: str) -> None:
    for allowed in (wire.VENUE_MAY_SEND, wire.SIGNALING_FROM_VENUE):
        _decodes_or_refuses(data, allowed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tags, st.dictionaries(st.text(max_size=12), json_values, max_size=8), st.integers(0, 3))
def test_structured_junk_gives_a_message_or_a_wire_error(
    tag: str, fields: dict[str, object], version: int
) -> None:
    body = {**fields, "type": tag, "v": version}
    _decodes_or_refuses(json.dumps(body), wire.VENUE_MAY_SEND)
    _decodes_or_refuses(json.dumps(body), wire.SIGNALING_FROM_VENUE)


@FUZZ
@given(st.integers(1, 50_000), st.sampled_from(["[", '{"a":']))
def test_deep_nesting_is_refused(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    data = '{"type":"heartbeat","seq":1,"x":' + opener * depth + "1" * (opener == '{"a":')
    data += closer * depth + "}"
    if depth >= wire.MAX_DEPTH:
        try:
            wire.decode(data, wire.VENUE_MAY_SEND, limit=10**6)
        except wire.WireError as exc:
            assert exc.code is wire.ErrorCode.MALFORMED
        else:
            raise AssertionError("deep nesting accepted")


@FUZZ
@given(st.text(min_size=1, max_size=40).filter(lambda t: t.isprintable()))
def test_error_texts_never_echo_what_the_peer_sent(marker: str) -> None:
    marker = "Z" + marker + "Z"
    for data in (
        json.dumps({"type": marker}),
        json.dumps({"type": "heartbeat", "seq": marker}),
        json.dumps({"type": "arm_ack", "arm_id": 1, "state": marker * 100}),
        json.dumps({"type": "heartbeat", "seq": 1, "v": marker}),
        json.dumps({"type": "error", "code": marker, "detail": ""}),
    ):
        try:
            wire.decode(data, wire.VENUE_MAY_SEND)
        except wire.WireError as exc:
            assert marker not in exc.detail


@FUZZ
@given(st.text(max_size=100) | st.binary(max_size=100).map(lambda b: b.hex()))
def test_any_token_is_refused(token: str) -> None:
    good = sign_token(SECRET, CLAIM)
    result = check_token(
        SECRET, CLAIM, token, known_venues={"a", "b"}, expected_ceremony="c", now_wall=1000.0
    )
    if token == good:
        assert result is None
    else:
        assert result is not None and result.reason is wire.JoinRefusal.BAD_TOKEN


@FUZZ
@given(
    st.text(max_size=70),
    st.text(max_size=70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.text(max_size=30), max_size=3),
)
def test_any_claim_is_checked_without_raising(
    venue_id: str, ceremony_id: str, expires: float, addresses: list[str]
) -> None:
    claim = InviteClaim(
        studio="S",
        addresses=addresses,
        ceremony_id=ceremony_id,
        ceremony_title="",
        venue_id=venue_id,
        venue_name="",
        fingerprint="",
        expires=expires,
    )
    result = check_token(
        SECRET, claim, "0" * 64, known_venues={"a"}, expected_ceremony="c", now_wall=0.0
    )
    assert result is not None and result.reason is wire.JoinRefusal.BAD_TOKEN


@FUZZ
@given(st.text(max_size=300))
def test_any_invite_text_parses_or_says_why(text: str) -> None:
    for candidate in (text, "CEREMONY1:" + text):
        try:
            invite = parse_invite(candidate)
        except InviteError as exc:
            assert "ask the studio" in str(exc) or "starts with" in str(exc)
        else:
            assert invite.token
