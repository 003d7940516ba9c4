"""Chirps found again by cross-correlation: in a mix of many, delayed, with noise."""

from __future__ import annotations

import numpy as np
import pytest

from media.audiosignal import calibration_chirp, chirp, find, venue_test_siren

RATE = 48_000


def place(total: int, parts: list[tuple[np.ndarray, float]], noise: float = 0.0) -> np.ndarray:
    """A recording with each part starting at a (fractional) sample position."""
    out = np.random.default_rng(7).normal(0, noise, total) if noise else np.zeros(total)
    for sound, start in parts:
        whole = int(np.floor(start))
        frac = start - whole
        # A fractional delay by linear interpolation of the band-limited chirp.
        shifted = np.interp(np.arange(len(sound)) - frac, np.arange(len(sound)), sound, left=0.0)
        out[whole : whole + len(sound)] += shifted
    return out


def test_the_calibration_chirp_is_found_where_it_starts() -> None:
    ref = calibration_chirp(RATE)
    rec = place(RATE, [(0.3 * ref, 1920.0)], noise=0.01)  # 40 ms in, quieter, with noise
    found = find(rec, ref)
    assert found is not None
    assert found.index == pytest.approx(1920.0, abs=0.5)
    assert found.score > 8


def test_eleven_venue_sirens_in_one_mix_are_told_apart() -> None:
    starts = [4800.0 + 37.3 * i for i in range(11)]
    sirens = [venue_test_siren(i, RATE) for i in range(11)]
    rec = place(2 * RATE, list(zip(sirens, starts, strict=True)), noise=0.002)
    for siren, start in zip(sirens, starts, strict=True):
        found = find(rec, siren)
        assert found is not None
        # Well under the 2 ms target: a tenth of a millisecond.
        assert abs(found.index - start) < 1


def test_a_missing_sound_scores_low() -> None:
    rec = place(RATE, [(venue_test_siren(3, RATE), 1000.0)], noise=0.002)
    absent = find(rec, venue_test_siren(7, RATE))
    present = find(rec, venue_test_siren(3, RATE))
    assert absent is not None and present is not None
    assert present.score > 5 * absent.score


def test_a_recording_shorter_than_the_sound_finds_nothing() -> None:
    assert find(np.zeros(10), chirp(500, 600, 0.01, RATE)) is None
