"""Typed journal notes: round trips, and the old untagged dicts still read (compatibility)."""

from __future__ import annotations

from typing import Any

import pytest

from ceremony import notes as n

# Each shape as engines before typed notes wrote it, and what it must decode to.
LEGACY: list[tuple[dict[str, Any], n.Note]] = [
    (
        {"venue": "kota-cirebon", "status": "lost", "reason": "no heartbeat for 3.1 s"},
        n.VenueStatusNote("kota-cirebon", "lost", "no heartbeat for 3.1 s"),
    ),
    (
        {"ready": "kota-cirebon", "value": True, "contact": "Pak Budi"},
        n.VenueReady("kota-cirebon", True, "Pak Budi"),
    ),
    (
        {"join_refused": "kota-cirebon", "reason": "expired", "detail": "expired: yesterday"},
        n.JoinRefusedNote("kota-cirebon", "expired", "expired: yesterday"),
    ),
    (
        {
            "signaling": "refused_or_closed",
            "window_s": 60.0,
            "total": 3,
            "kinds": {"bad_token": 3},
            "addresses": {"10.0.0.9": 3},
            "address_count": 1,
        },
        n.SignalingSummary(60.0, 3, {"bad_token": 3}, {"10.0.0.9": 3}, 1),
    ),
    (
        {
            "countdown": "armed",
            "arm_id": 1,
            "fire_at": 20.0,
            "lead_s": 10.0,
            "venues": ["a"],
            "title": "Peresmian",
        },
        n.CountdownArmed(1, 20.0, 10.0, ["a"], "Peresmian"),
    ),
    ({"countdown": "aborted", "arm_id": 1}, n.CountdownAborted(1)),
    (
        {"countdown": "ack", "venue": "a", "arm_id": 1, "state": "armed", "bound_s": 0.002},
        n.CountdownAck("a", 1, "armed", 0.002),
    ),
    (
        {
            "countdown": "fired",
            "venue": "a",
            "arm_id": 1,
            "local_deadline": 5.0,
            "local_fire": 5.001,
            "bound_s": 0.002,
            "true_fire": None,
            "fire_at": 20.0,
            "onset_method": None,
            "onset_local": None,
            "fire_late_s": 0.001,
            "hall_latency_s": None,
            "screen_late_s": None,
        },
        n.FireReported("a", 1, 5.001, 0.002, 5.0, fire_at=20.0, fire_late_s=0.001),
    ),
    ({"snapshots": "/v/zero-1", "arm_id": 1}, n.ZeroSnapshots("/v/zero-1", 1)),
    ({"program": "venue:a"}, n.ProgramSource("venue:a")),
    ({"manual_override": "venue:a", "active": True}, n.ManualOverride("venue:a", True)),
    ({"device": "camera", "problem": None}, n.DeviceProblem("camera", None)),
    ({"marker": "Menteri tiba"}, n.Marker("Menteri tiba")),
    ({"note": "Hadirin berdiri"}, n.ProtocolNote("Hadirin berdiri")),
    ({"cue": "Siap", "venue": None, "cue_id": 2}, n.CueSent("Siap", None, 2)),
    ({"chat_from": "a", "text": "Siap"}, n.ChatFrom("a", "Siap")),
    ({"chat_to": "a", "text": "Oke"}, n.ChatTo("a", "Oke")),
    ({"recording": "started", "path": "/v/p.mkv"}, n.RecordingStarted("/v/p.mkv")),
    ({"recording": "iso_started", "venue": "a", "path": "/v/i.mkv"}, n.IsoStarted("a", "/v/i.mkv")),
    (
        {
            "recording": "closed",
            "path": "/v/p.mkv",
            "duration_s": 3.0,
            "sha256": "ab",
            "failed": None,
            "chapters": [{"title": "Buka", "start_s": 0.0}],
            "repaired": True,
        },
        n.RecordingClosed("/v/p.mkv", 3.0, "ab", chapters=[n.Chapter("Buka", 0.0)], repaired=True),
    ),
    (
        {
            "recording": "iso",
            "venue": "a",
            "path": "/v/i.mkv",
            "frames": 90,
            "duration_s": 3.0,
            "failed": None,
            "sha256": "cd",
        },
        n.RecordingClosed("/v/i.mkv", 3.0, "cd", venue="a", frames=90),
    ),
    (
        {"recording": "not_opened", "path": "/v/i.mkv", "venue": "a"},
        n.RecordingNotOpened("/v/i.mkv", "a"),
    ),
    ({"run_ended": "20261201-0900", "reason": "stopped"}, n.RunEnded("20261201-0900", "stopped")),
    (
        {"runsheet_replaced": {"items": []}, "runsheet_sha256": "ef"},
        n.RunsheetReplaced({"items": []}, "ef"),
    ),
]


@pytest.mark.parametrize(("payload", "expected"), LEGACY)
def test_old_untagged_notes_decode_to_their_type(payload: dict[str, Any], expected: n.Note) -> None:
    assert n.decode_note(payload) == expected


@pytest.mark.parametrize("note", [expected for _, expected in LEGACY])
def test_typed_notes_round_trip_with_their_tag(note: n.Note) -> None:
    payload = n.encode_note(note)
    assert isinstance(payload["type"], str)
    assert n.decode_note(payload) == note


def test_a_note_nobody_knows_is_kept_not_lost() -> None:
    for payload in (
        {"type": "from_the_future", "x": 1},
        {"something": "else"},
        {"type": "marker"},
    ):  # a known tag with a field missing
        assert n.decode_note(payload) == n.UnknownNote(payload)
