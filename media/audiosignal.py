"""Test sounds and finding them again: chirps and cross-correlation (numpy only, no devices).

Used twice: the hall calibration plays a chirp through the speaker and finds it in the
microphone; the audible benchmark gives each venue a chirp in its own frequency band and finds
every venue's onset in one recording of the audio server's mix. A chirp correlates into one
sharp peak (about 1/bandwidth wide) and chirps in separate bands hardly see each other, so
eleven onsets can be told apart in one mix to a fraction of a sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Eleven bands of 1.4 kHz from 400 Hz to 17.8 kHz: wide bands make narrow correlation peaks.
BAND_LOW_HZ = 400.0
BAND_WIDTH_HZ = 1400.0
BAND_STEP_HZ = 1600.0
TEST_SECONDS = 0.5
CALIBRATION_HZ = (300.0, 6000.0)
CALIBRATION_SECONDS = 0.3


def chirp(f0: float, f1: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    """A linear sweep from f0 to f1 Hz, mono float32, starting abruptly at phase 0.

    A 2 ms raised-cosine fade at the end only: the start is the onset being measured.
    """
    n = round(seconds * rate)
    t = np.arange(n) / rate
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds))
    out = amplitude * np.sin(phase)
    fade = min(n, int(0.002 * rate))
    if fade:
        out[n - fade :] *= 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, fade))
    result: np.ndarray = out.astype(np.float32)
    return result


def venue_band(index: int) -> tuple[float, float]:
    """The frequency band of the index-th venue's test siren (the audible benchmark)."""
    low = BAND_LOW_HZ + BAND_STEP_HZ * index
    return low, low + BAND_WIDTH_HZ


def venue_test_siren(index: int, rate: int, amplitude: float = 0.08) -> np.ndarray:
    low, high = venue_band(index)
    return chirp(low, high, TEST_SECONDS, rate, amplitude)


def calibration_chirp(rate: int) -> np.ndarray:
    return chirp(*CALIBRATION_HZ, CALIBRATION_SECONDS, rate, amplitude=0.5)


@dataclass(frozen=True)
class Found:
    index: float  # where the reference starts in the recording, in samples (sub-sample)
    score: float  # peak over the correlation's typical level: >~ 8 is a clear find


def correlate(recording: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The analytic cross-correlation: real part c[k] = sum_n recording[n + k] * reference[n]
    for every k (by FFT); its magnitude is the envelope, free of the carrier's ripple."""
    n = len(recording) + len(reference) - 1
    size = 1 << (n - 1).bit_length()
    spec = np.fft.fft(recording.astype(np.float64), size) * np.conj(
        np.fft.fft(reference.astype(np.float64), size)
    )
    spec[size // 2 + 1 :] = 0  # drop negative frequencies: the Hilbert transform's analytic signal
    spec[1 : size // 2] *= 2
    full: np.ndarray = np.fft.ifft(spec)
    return full[: len(recording)]


def _vertex(a: float, b: float, d: float) -> float:
    """The parabola through (-1, a), (0, b), (1, d): where its top is, within ±0.5."""
    denom = a - 2 * b + d
    return float(np.clip(0.5 * (a - d) / denom, -0.5, 0.5)) if denom < 0 else 0.0


def find(recording: np.ndarray, reference: np.ndarray) -> Found | None:
    """The start of `reference` in `recording` (None when the recording is too short)."""
    if len(recording) < len(reference) or not len(reference):
        return None
    analytic = correlate(recording, reference)[: len(recording) - len(reference) + 1]
    envelope = np.abs(analytic)
    # The correlation oscillates at the band's frequencies, and its neighbouring lobes are
    # nearly as tall as the true one: the envelope finds the peak without that ambiguity, then
    # the carrier's lobe nearest to it gives the sub-sample position.
    k = int(np.argmax(envelope))
    typical = float(np.median(envelope)) or 1e-12
    coarse = float(k)
    if 0 < k < len(envelope) - 1:
        coarse += _vertex(envelope[k - 1], envelope[k], envelope[k + 1])
    c = analytic.real
    lo, hi = max(1, int(coarse) - 24), min(len(c) - 1, int(coarse) + 25)
    best: float | None = None
    for j in range(lo, hi):
        if c[j] >= c[j - 1] and c[j] > c[j + 1] and c[j] > 0:
            lobe = j + _vertex(c[j - 1], c[j], c[j + 1])
            if best is None or abs(lobe - coarse) < abs(best - coarse):
                best = lobe
    return Found(best if best is not None else coarse, float(envelope[k]) / typical)
