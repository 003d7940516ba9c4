"""Clock-offset estimation between a venue and the studio, NTP-style, sans I/O.

The venue sends probes stamped with its monotonic clock (t1); the studio stamps receipt (t2) and
reply (t3) with its own; the venue stamps arrival (t4). Each exchange gives an offset
((t2 - t1) + (t3 - t4)) / 2 (studio minus venue) that is wrong by at most half its round trip, since
no two-way exchange can tell one-way delays apart. The estimator keeps a sliding window, prefers the
shortest round trips, estimates drift from them, and claims an error bound that grows with the age
of the sample it relies on. Only monotonic clocks are involved: a wall-clock step changes nothing.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

DEFAULT_WINDOW_S = 60.0
MAX_DRIFT_PPM = 200.0  # quartz is within ±100 ppm; anything beyond is not believed
MIN_DRIFT_SPAN_S = 8.0  # fit a drift only over a window at least this long
FIRE_JITTER_S = 0.0003  # the firing thread's own wake-up error, added to every bound
NEAR_BEST_FRACTION = 0.05  # samples within 5 % of the best round trip (plus 50 us) are averaged
NEAR_BEST_ABS_S = 0.00005


@dataclass(frozen=True)
class ClockSample:
    t1: float  # venue clock, probe sent
    t2: float  # studio clock, probe received
    t3: float  # studio clock, reply sent
    t4: float  # venue clock, reply received

    @property
    def offset(self) -> float:
        return ((self.t2 - self.t1) + (self.t3 - self.t4)) / 2

    @property
    def rtt(self) -> float:
        return (self.t4 - self.t1) - (self.t3 - self.t2)

    @property
    def local_mid(self) -> float:
        return (self.t1 + self.t4) / 2

    @classmethod
    def from_studio_round(
        cls, studio_sent: float, venue_heard: float, studio_back: float
    ) -> ClockSample:
        """A round the studio started (its heartbeat sent at `studio_sent`, heard here at
        `venue_heard`, the answer back at `studio_back`) as the probe that has the same offset,
        round trip and instant. Whatever the answer waited here counts into the round trip, so
        the bound (half of it) stays honest."""
        rtt = studio_back - studio_sent
        offset = ((studio_sent - venue_heard) + (studio_back - venue_heard)) / 2
        return cls(
            venue_heard - rtt / 2, venue_heard + offset, venue_heard + offset, venue_heard + rtt / 2
        )


@dataclass(frozen=True)
class Estimate:
    offset: float  # studio - venue, seconds, at `at_local`
    drift: float  # d(offset)/d(venue time), dimensionless (1e-6 = 1 ppm)
    bound: float  # claimed |error| of offset at `at_local`, seconds
    at_local: float
    rtt: float  # round trip of the sample relied on
    samples: int

    def studio_to_local(self, studio_t: float) -> float:
        """The venue-clock instant at which the studio clock reads `studio_t`."""
        # offset(L) = offset + drift * (L - at); L + offset(L) = studio_t
        return (studio_t - self.offset + self.drift * self.at_local) / (1 + self.drift)

    def bound_at(self, local_t: float, drift_uncertainty: float) -> float:
        return self.bound + drift_uncertainty * abs(local_t - self.at_local)


@dataclass(frozen=True)
class _Fit:
    slope: float
    uncertainty: float
    mean_time: float
    mean_offset: float
    worst_noise: float
    samples: int


class ClockEstimator:
    def __init__(
        self,
        window_s: float = DEFAULT_WINDOW_S,
        max_drift_ppm: float = MAX_DRIFT_PPM,
        max_samples: int = 600,
    ) -> None:
        self.window_s = window_s
        self.max_drift = max_drift_ppm * 1e-6
        self._samples: deque[ClockSample] = deque(maxlen=max_samples)
        self.rejected = 0

    def add(self, sample: ClockSample) -> bool:
        """Keep a sample; refuse impossible ones (negative round trip, clock gone backwards)."""
        if sample.rtt < 0 or sample.t4 < sample.t1 or sample.t3 < sample.t2:
            self.rejected += 1
            return False
        self._samples.append(sample)
        return True

    def _window(self, now_local: float) -> list[ClockSample]:
        return [s for s in self._samples if now_local - s.local_mid <= self.window_s]

    def _good(self, window: list[ClockSample]) -> list[ClockSample]:
        """The samples whose round trip is close to the window's shortest."""
        best = min(s.rtt for s in window)
        return [s for s in window if s.rtt <= best * 1.5 + 0.0002]

    def _fit(self, now_local: float) -> _Fit | None:
        window = self._window(now_local)
        if len(window) < 4:
            return None
        good = self._good(window)
        span = max(s.local_mid for s in good) - min(s.local_mid for s in good) if good else 0
        if len(good) < 4 or span < MIN_DRIFT_SPAN_S:
            return None
        n = len(good)
        mx = sum(s.local_mid for s in good) / n
        my = sum(s.offset for s in good) / n
        sxx = sum((s.local_mid - mx) ** 2 for s in good)
        slope = sum((s.local_mid - mx) * (s.offset - my) for s in good) / sxx
        # Each offset may be off by up to half its round trip: the worst slope error that noise
        # could cause over this span, not just the statistical one.
        worst_noise = max(s.rtt for s in good) / 2
        residual = math.sqrt(
            sum((s.offset - my - slope * (s.local_mid - mx)) ** 2 for s in good) / max(1, n - 2)
        )
        uncertainty = min(self.max_drift, 2 * worst_noise / span + 4 * residual / span + 1e-6)
        slope = max(-self.max_drift, min(self.max_drift, slope))
        return _Fit(slope, uncertainty, mx, my, worst_noise, n)

    def settled(self, now_local: float) -> bool:
        """A drift is fitted over the window's short round trips: the estimate keeps its bound
        with a probe every few seconds (the venue then probes slowly until an arm)."""
        return self._fit(now_local) is not None

    def drift(self, now_local: float) -> tuple[float, float]:
        """(drift, its uncertainty) from the low-RTT samples of the window."""
        fit = self._fit(now_local)
        return (fit.slope, fit.uncertainty) if fit else (0.0, self.max_drift)

    def estimate(self, now_local: float) -> Estimate | None:
        window = self._window(now_local)
        if not window:
            return None
        drift, uncertainty = self.drift(now_local)

        def claimed(s: ClockSample) -> float:
            """This sample's own bound now: half its round trip, plus drift since it was taken."""
            return s.rtt / 2 + uncertainty * abs(now_local - s.local_mid)

        # The best samples are the ones whose bound *now* is smallest. Their offsets are averaged
        # only among those nearly as good as the very best: on a jittery WAN path this cancels
        # the random split of each round trip between its two legs; a wider average would keep
        # the one-sided delays busy event loops add at either end.
        best = min(claimed(s) for s in window)
        tolerance = NEAR_BEST_FRACTION * min(s.rtt for s in window) + NEAR_BEST_ABS_S
        chosen = [s for s in window if claimed(s) <= best + tolerance]
        offset_now = sum(s.offset + drift * (now_local - s.local_mid) for s in chosen) / len(chosen)
        bound = max(claimed(s) for s in chosen) + FIRE_JITTER_S
        rtt = min(s.rtt for s in chosen)
        return Estimate(offset_now, drift, bound, now_local, rtt, len(window))

    def deadline(self, studio_t: float, now_local: float) -> tuple[float, float] | None:
        """(venue-clock deadline for studio time T, claimed bound at that deadline)."""
        est = self.estimate(now_local)
        if est is None:
            return None
        _, uncertainty = self.drift(now_local)
        local = est.studio_to_local(studio_t)
        return local, est.bound_at(local, uncertainty)
