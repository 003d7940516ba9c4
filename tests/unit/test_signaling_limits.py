"""The signaling rules as pure bookkeeping, with a fake clock."""

from __future__ import annotations

from media.signaling_limits import Admission, CloseKind, SignalingLimits, escape

LIMITS = SignalingLimits(max_pending=4, max_pending_per_address=2, refusal_burst=3)


def test_the_oldest_pending_connection_of_a_full_address_makes_room() -> None:
    gate = Admission(LIMITS)
    assert gate.admit("a1", "10.0.0.1", 0.0) == (True, [])
    assert gate.admit("a2", "10.0.0.1", 0.1) == (True, [])
    assert gate.admit("a3", "10.0.0.1", 0.2) == (True, ["a1"])
    assert gate.tally.kinds[CloseKind.OVER_ADDRESS] == 1
    assert set(gate.pending) == {"a2", "a3"}


def test_at_the_total_cap_the_busiest_address_pays() -> None:
    gate = Admission(LIMITS)
    for key, address in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("c1", "C")]:
        assert gate.admit(key, address, 0.0)[0]
    admitted, victims = gate.admit("d1", "D", 1.0)
    assert admitted and victims == ["a1"]  # not the venue alone on its address
    assert gate.tally.kinds[CloseKind.OVER_TOTAL] == 1
    assert len(gate.pending) == 4


def test_at_the_total_cap_a_newcomer_from_the_busiest_address_waits() -> None:
    gate = Admission(LIMITS)
    for key, address in [("a1", "A"), ("b1", "B"), ("c1", "C"), ("d1", "D")]:
        assert gate.admit(key, address, 0.0)[0]
    assert gate.admit("a2", "A", 1.0) == (False, [])  # refused before TLS, nobody evicted
    assert gate.tally.kinds[CloseKind.OVER_TOTAL] == 1 and len(gate.pending) == 4


def test_refusals_use_up_an_address_then_it_earns_them_back() -> None:
    gate = Admission(LIMITS)
    for _ in range(3):
        gate.refused("A", "bad_token", 0.0)
    assert gate.admit("x", "A", 0.0) == (False, [])
    assert gate.tally.kinds[CloseKind.RATE_LIMITED] == 1
    assert gate.admit("y", "B", 0.0)[0]  # other addresses are not affected
    assert gate.admit("z", "A", 0.0 + 1 / LIMITS.refusals_per_s)[0]


def test_a_promoted_connection_no_longer_counts() -> None:
    gate = Admission(LIMITS)
    gate.admit("a1", "A", 0.0)
    assert gate.promote("a1") and not gate.pending and gate.joined == 1
    assert not gate.promote("a1")


def test_the_summary_is_bounded_whatever_the_flood() -> None:
    limits = SignalingLimits(max_addresses=50, summary_addresses=5)
    gate = Admission(limits)
    for i in range(10_000):
        gate.refused(f"10.0.{i % 256}.{i // 256}", "bad_token" if i % 2 else "malformed", 0.0)
    note = gate.tally.summary(60.0)
    assert note is not None and note["total"] == 10_000
    assert note["kinds"] == {"bad_token": 5000, "malformed": 5000}
    assert len(note["addresses"]) == 5
    assert len(str(note)) < limits.journal_bound_bytes()
    assert gate.tally.summary(120.0) is None  # nothing new: nothing written


def test_peer_text_is_escaped_for_the_log() -> None:
    shown = escape("evil\n2026-11-30 WARNING forged line" + "x" * 200)
    assert "\n" not in shown and len(shown) < 100
