"""coturn's REST credential scheme, checked against a reference computed independently."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from ceremony.turn import (
    TurnServer,
    TurnUrlError,
    parse_turn_url,
    turn_credential,
)


def test_credential_follows_coturns_rest_scheme() -> None:
    cred = turn_credential(b"north", "venue-03", now=1_000_000.4, ttl_s=3600)
    assert cred.username == "1003600:venue-03"
    assert cred.expires == 1_003_600.0
    # coturn: password = base64(HMAC-SHA1(static-auth-secret, username))
    expected = base64.b64encode(
        hmac.new(b"north", b"1003600:venue-03", hashlib.sha1).digest()
    ).decode()
    assert cred.password == expected


def test_a_known_vector() -> None:
    # printf '%s' '1700000000:hall' | openssl dgst -sha1 -hmac s3cret -binary | base64
    cred = turn_credential(b"s3cret", "hall", now=1_699_999_000, ttl_s=1000)
    assert cred.username == "1700000000:hall"
    assert cred.password == "vLQI+KFIHeQgUdFC153WZkZ570Y="


def test_each_venue_and_expiry_gets_its_own_password() -> None:
    a = turn_credential(b"k", "a", now=0, ttl_s=60)
    b = turn_credential(b"k", "b", now=0, ttl_s=60)
    later = turn_credential(b"k", "a", now=100, ttl_s=60)
    assert len({a.password, b.password, later.password}) == 3


@pytest.mark.parametrize("venue", ["a:b", ""])
def test_bad_inputs_are_refused(venue: str) -> None:
    with pytest.raises(ValueError):
        turn_credential(b"k" if venue else b"", venue or "x", now=0)


def test_turn_url_gives_udp_then_tcp() -> None:
    server = parse_turn_url("turn:198.18.0.1:3478")
    assert server == TurnServer("turn", "198.18.0.1", 3478)
    assert server.urls() == [
        "turn:198.18.0.1:3478?transport=udp",
        "turn:198.18.0.1:3478?transport=tcp",
    ]
    assert parse_turn_url("turns:turn.example.go.id:443").urls() == [
        "turns:turn.example.go.id:443?transport=tcp"
    ]


@pytest.mark.parametrize("text", ["stun:h:1", "turn:h", "turn:h:0", "turn:h:70000", "turn:u@h:1"])
def test_bad_turn_urls_are_refused(text: str) -> None:
    with pytest.raises(TurnUrlError):
        parse_turn_url(text)
