"""The calibration bench's hall: a fixed delay line, its module arguments (no server needed)."""

from __future__ import annotations

import pytest

from launcher.bench_audible import BenchError, delay_sink_args


def test_the_hall_is_a_fully_wet_delay_line_of_the_asked_latency_over_the_room() -> None:
    args = delay_sink_args("hall", "room", 40.0)
    assert "sink_name=hall" in args and "sink_master=room" in args
    assert "plugin=cmt" in args and "label=delay_1s" in args
    # Delay in seconds, then dry/wet 1: only the delayed sound reaches the room, no direct copy.
    assert "control=0.040000,1" in args


@pytest.mark.parametrize("latency_ms", [-1.0, 1000.0, 5000.0])
def test_a_delay_the_line_cannot_hold_is_refused(latency_ms: float) -> None:
    with pytest.raises(BenchError):
        delay_sink_args("hall", "room", latency_ms)
