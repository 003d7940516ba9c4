"""The countdown benches' split of a decision spread into placement and lateness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from launcher import fire_account


def _venue(vid: str, error_ms: float, late_ms: float) -> dict[str, Any]:
    return {"id": vid, "error_ms": error_ms, "late_ms": late_ms}


def test_spread_splits_into_placement_and_lateness() -> None:
    venues = [_venue("a", 0.2, 0.0), _venue("b", -0.3, 0.1), _venue("c", 1.5, 1.4)]
    fire_account.venue_rows(venues, {})
    assert [v["placement_ms"] for v in venues] == [0.2, -0.4, 0.1]
    split = fire_account.trial_split(venues)
    assert split["decision_spread_ms"] == 1.8
    assert split["placement_spread_ms"] == 0.6
    assert split["lateness_share_ms"] == 1.2
    assert split["late_max_ms"] == 1.4
    assert split["late_venues"] == ["c"]


def test_a_venue_that_did_not_fire_is_left_out() -> None:
    venues: list[dict[str, Any]] = [
        _venue("a", 0.1, 0.0),
        {"id": "b", "error_ms": None, "late_ms": None},
    ]
    fire_account.venue_rows(venues, {})
    split = fire_account.trial_split(venues)
    assert split["decision_spread_ms"] == 0.0
    assert venues[1]["placement_ms"] is None


def test_traces_are_read_per_arm_and_a_cut_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text(
        json.dumps({"arm_id": 1, "mode": "hold"})
        + "\n"
        + json.dumps({"arm_id": 2, "mode": "realtime"})
        + "\n"
        + '{"arm_id": 3, "mo',
        encoding="utf-8",
    )
    traces = fire_account.read_traces(path)
    assert sorted(traces) == [1, 2]
    assert traces[2]["mode"] == "realtime"
    assert fire_account.read_traces(tmp_path / "missing.jsonl") == {}


def test_cause_names_where_a_late_thread_lost_its_time() -> None:
    lock = {"mode": "hold", "blocked_s": 0.002, "queued_s": 0.0003, "approach_wait_s": 0.01}
    cpu = {"mode": "hold", "blocked_s": 0.0, "queued_s": 0.002, "approach_wait_s": 0.01}
    spin = {"mode": "realtime", "run_s": 0.001, "queued_s": 0.0002, "approach_wait_s": 0.01}
    setup = {"mode": "hold", "woke_late_s": 0.03, "queued_s": 0.001, "approach_wait_s": 0.0}
    absorbed = {"mode": "hold", "woke_late_s": 0.0001, "approach_wait_s": 0.005}
    assert fire_account.cause(lock) == "lock"
    assert fire_account.cause(cpu) == "cpu"
    assert fire_account.cause(spin) == "cpu"  # a spin runs by design: not its own work
    assert fire_account.cause(setup) == "late_approach"
    assert fire_account.cause(absorbed) != "late_approach"  # the wait after it took it up


def test_causes_count_only_late_fires() -> None:
    venues = [_venue("a", 2.0, 2.0), _venue("b", 0.1, 0.1)]
    traces = {
        "a": {"mode": "hold", "queued_s": 0.002, "approach_wait_s": 0.01},
        "b": {"mode": "hold", "blocked_s": 0.0001, "approach_wait_s": 0.01},
    }
    fire_account.venue_rows(venues, traces)
    assert fire_account.causes(venues) == {"cpu": 1}
