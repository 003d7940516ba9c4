"""The siren's onset in the fire report, the zero screen's timing, and placing a capture."""

from __future__ import annotations

import numpy as np
import pytest

from ceremony import wire
from ceremony.audiotime import BufferPlacement, OnsetMethod
from ceremony.countdown import zero_screen_from
from media.audiosignal import calibration_chirp
from media.calibration import locate

RATE = 48_000


def test_a_fire_report_carries_the_onset_beside_the_decision() -> None:
    report = wire.FireReport(
        arm_id=3,
        local_deadline=100.0,
        local_fire=100.00004,
        bound_s=0.0012,
        onset_method=OnsetMethod.DAC_TIME,
        onset_local=100.00001,
        fire_late_s=0.00004,
        onset_late_s=0.0,
        hall_latency_s=0.041,
        screen_late_s=0.002,
    )
    decoded = wire.decode(wire.encode(report), wire.VENUE_MAY_SEND)
    assert decoded == report


def test_an_older_venue_report_without_onset_still_decodes() -> None:
    data = (
        '{"type": "fire_report", "arm_id": 1, "local_deadline": 5.0, "local_fire": 5.0,'
        ' "bound_s": 0.001}'
    )
    decoded = wire.decode(data, wire.VENUE_MAY_SEND)
    assert isinstance(decoded, wire.FireReport) and decoded.onset_method is None


def test_an_onset_method_longer_than_any_name_is_refused() -> None:
    """A newer venue's new method is read as absent (tests/unit/test_wire.py); 400 characters
    are no method's name."""
    data = (
        '{"type": "fire_report", "arm_id": 1, "local_deadline": 5.0, "local_fire": 5.0,'
        ' "bound_s": 0.001, "onset_method": "' + "x" * 400 + '"}'
    )
    with pytest.raises(wire.WireError) as err:
        wire.decode(data, wire.VENUE_MAY_SEND)
    assert err.value.code is wire.ErrorCode.MALFORMED


def test_the_zero_screen_is_painted_half_a_frame_early() -> None:
    assert zero_screen_from(100.0, 1 / 60) == pytest.approx(100.0 - 1 / 120)


def _capture(
    signal: np.ndarray, run_start: float, block: int, jitter: list[float]
) -> list[tuple[np.ndarray, BufferPlacement]]:
    """Blocks of a capture whose first sample was at `run_start`, each placement off by jitter."""
    blocks = []
    for k in range(len(signal) // block):
        at = run_start + k * block / RATE + jitter[k % len(jitter)]
        blocks.append(
            (signal[k * block : (k + 1) * block], BufferPlacement(at, OnsetMethod.DAC_TIME, -0.02))
        )
    return blocks


def test_a_chirp_in_a_capture_is_placed_by_the_blocks_around_it() -> None:
    chirp = calibration_chirp(RATE)
    recording = np.zeros(2 * RATE, np.float32)
    recording[RATE : RATE + len(chirp)] = 0.2 * chirp  # heard 1.000 s into the capture
    jitter = [0.0003, -0.0002, 0.0001, 0.0, -0.0001]
    blocks = _capture(recording, 50.0, 384, jitter)
    # The capture's first blocks were placed a second wrong (a stream still starting).
    for k in range(5):
        samples, placed = blocks[k]
        blocks[k] = (samples, BufferPlacement(placed.first_sample_local - 0.9, placed.method, 0.0))
    found = locate(blocks, chirp, expected_local=51.05)
    assert found is not None
    heard, score = found
    assert heard == pytest.approx(51.0, abs=0.0002)
    assert score > 8


def test_a_chirp_far_from_where_it_was_due_is_not_taken() -> None:
    chirp = calibration_chirp(RATE)
    recording = np.zeros(2 * RATE, np.float32)
    recording[RATE : RATE + len(chirp)] = 0.2 * chirp
    found = locate(_capture(recording, 50.0, 384, [0.0]), chirp, expected_local=50.2)
    # The search window holds only silence: whatever peak is found there is weak.
    assert found is None or found[1] < 8
