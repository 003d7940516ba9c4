"""Where the clock trace goes: one file per venue when the path names `{venue}`."""

from __future__ import annotations

from pathlib import Path

import pytest

from media.clock_trace import CLOCK_TRACE_ENV, ClockTrace


def test_each_venue_traces_to_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CLOCK_TRACE_ENV, str(tmp_path / "{venue}.clock.jsonl"))
    for venue in ("lokasi-02", "lokasi-03"):
        trace = ClockTrace.from_env(lambda: 0.0, venue)
        trace.event("start")
        assert trace._file is not None
        trace._file.close()  # no close(): a venue's trace lives as long as its process
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "lokasi-02.clock.jsonl",
        "lokasi-03.clock.jsonl",
    ]


def test_no_trace_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CLOCK_TRACE_ENV, raising=False)
    assert not ClockTrace.from_env(lambda: 0.0, "lokasi-02").on
