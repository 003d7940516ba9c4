"""Clock-offset estimation between a venue and the studio, NTP-style, sans I/O.

The venue sends probes stamped with its monotonic clock (t1); the studio stamps receipt (t2) and
reply (t3) with its own; the venue stamps arrival (t4). Each exchange gives an offset
((t2 - t1) + (t3 - t4)) / 2 (studio minus venue) that is wrong by at most half its round trip, since
no two-way exchange can tell one-way delays apart: both legs take a delay >= 0, and the offset is
off by half their difference. Only monotonic clocks are involved: a wall-clock step changes nothing.

The bound comes from the set of clock lines the samples allow. The model is linear over the
window: offset(L) = a + b * (L - ref) at venue instant L, with |b| <= MAX_DRIFT_PPM. Each sample
says the true offset at its midpoint lies within offset +/- rtt/2 (widened by the drift over half
its round trip and MODEL_SLACK_S), i.e. two half-planes in (a, b); with the box |b| <= max_drift
their intersection is a small convex polygon that holds the true (a, b) whenever the model
holds. Only the samples on the lower hull of the interval tops and the upper hull of the bottoms
can touch it, so it is built from those. The bound claimed at L is how far the polygon's lines
reach from the estimate at L (extremes at its vertices), plus FIRE_JITTER_S: a worst case, not a
statistic, so noise in the round trips widens it but cannot break it. A drift the window cannot
pin yet shows as a wide polygon, and the bound grows with the deadline's distance from the
samples by as much as the slopes left open.

Where it can fail: the model, which assumes (1) the two clocks' rates differ by a constant over
the window (DEFAULT_WINDOW_S, 120 s) and (2) by at most MAX_DRIFT_PPM. A quartz's rate wanders
with temperature: r ppm a minute bends the line by about r * 0.12 ms over 120 s (b' T^2 / 2).
MODEL_SLACK_S absorbs 20 us of that (a PC's quartz warming up indoors: ~0.1 ppm a minute); more
and the bound can be short by the excess. An OS that steps the monotonic clock, or slews it to
correct an offset (Linux's CLOCK_MONOTONIC follows NTP's frequency; chrony slews up to 8 %,
ntpd 500 ppm), breaks the model outright. A gross break makes the samples inconsistent (an
empty set): the oldest are then dropped until the rest agree (`dropped` counts them), so the
venue keeps an estimate from its recent samples; a break within the round trips' slack goes
unnoticed, and the bound can be short by up to that much until the window has passed it.

The estimate is the polygon's centroid line (the mean of the lines the samples allow, each taken
as likely as any other). Not a fit through the samples' offsets: a sample's interval top is the
true offset plus its outbound leg's delay and its bottom the true offset less its return leg's
(offset +/- rtt/2 = true + (d_out - d_back)/2 +/- (d_out + d_back)/2), so the polygon's edges
come from the window's shortest outbound legs and its shortest return legs, usually of
different samples, where a fit mixes in each sample's one-sided delay (busy event loops delay
one leg more often than the other, and that bias does not average away). On simulated
100-venue round trips the centroid placed the deadlines closest (spread 0.22-0.49 ms, against
0.72-1.94 near-best averaging, 0.53-0.99 a weighted least-squares fit held in the polygon, and
0.30-0.52 the middle of the polygon's reach at the deadline, whose bound is the smallest).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

DEFAULT_WINDOW_S = 120.0  # more samples narrow the polygon; the linear model must hold this long
MAX_DRIFT_PPM = 200.0  # quartz is within ±100 ppm; anything beyond is not believed
MIN_DRIFT_SPAN_S = 8.0  # settled: short round trips at least this far apart
# Settled: this many samples whose round trips are near the window's shortest (x1.5 + 0.2 ms),
# spanning MIN_DRIFT_SPAN_S: they pin the drift, and slow probes keep it pinned.
SETTLED_SAMPLES = 4
FIRE_JITTER_S = 0.0003  # the firing thread's own wake-up error, added to every bound
# Added to each sample's half round trip: the rate's wander over the window (see above); it also
# keeps the polygon two-dimensional.
MODEL_SLACK_S = 0.00002
BOX_S = 1.0  # the starting polygon's offset range around the newest sample, beyond its rtt


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
        cls,
        studio_sent: float,
        venue_heard: float,
        studio_back: float,
        venue_answered: float | None = None,
    ) -> ClockSample:
        """A round the studio started (its heartbeat sent at `studio_sent`, heard here at
        `venue_heard`, our answer sent at `venue_answered`, back at `studio_back`) as the
        probe that has the same offset, round trip and instant. Without `venue_answered` (or
        one that does not fit in the round) whatever the answer waited here counts into the
        round trip, so the bound (half of it) stays honest."""
        answered = venue_heard
        if venue_answered is not None and 0.0 <= venue_answered - venue_heard <= (
            studio_back - studio_sent
        ):
            answered = venue_answered
        rtt = (studio_back - studio_sent) - (answered - venue_heard)
        offset = ((studio_sent - venue_heard) + (studio_back - answered)) / 2
        mid = (venue_heard + answered) / 2
        return cls(mid - rtt / 2, mid + offset, mid + offset, mid + rtt / 2)


@dataclass(frozen=True)
class Estimate:
    offset: float  # studio - venue, seconds, at `at_local`
    drift: float  # d(offset)/d(venue time), dimensionless (1e-6 = 1 ppm)
    bound: float  # claimed |error| of offset at `at_local`, seconds
    at_local: float
    rtt: float  # the window's shortest round trip
    samples: int

    def studio_to_local(self, studio_t: float) -> float:
        """The venue-clock instant at which the studio clock reads `studio_t`."""
        # offset(L) = offset + drift * (L - at); L + offset(L) = studio_t
        return (studio_t - self.offset + self.drift * self.at_local) / (1 + self.drift)

    def bound_at(self, local_t: float, drift_uncertainty: float) -> float:
        return self.bound + drift_uncertainty * abs(local_t - self.at_local)


# (a, b, edge): a line offset(L) = base + a + b * (L - ref) of the feasible polygon's vertices;
# `edge` names the constraint along which the boundary leaves it (2 * seq top, 2 * seq + 1
# bottom, BOX_EDGE the box): a sample whose edges are gone can leave the window freely.
Vertex = tuple[float, float, int]
BOX_EDGE = -1


@dataclass(frozen=True)
class _Row:
    seq: int
    mid: float  # local_mid
    offset: float
    rtt: float


def _clip(poly: list[Vertex], p: float, q: float, r: float, edge: int) -> list[Vertex]:
    """The convex polygon's part where p*a + q*b <= r (Sutherland-Hodgman, one edge)."""
    out: list[Vertex] = []
    n = len(poly)
    for i in range(n):
        a1, b1, e1 = poly[i]
        a2, b2, _ = poly[i + 1 - n]
        d1 = p * a1 + q * b1 - r
        d2 = p * a2 + q * b2 - r
        if d1 <= 0:
            out.append(poly[i])
            if d2 > 0:  # leaving: the boundary goes on along the new edge
                t = d1 / (d1 - d2)
                out.append((a1 + t * (a2 - a1), b1 + t * (b2 - b1), edge))
        elif d2 <= 0:  # entering: the rest of this vertex's edge
            t = d1 / (d1 - d2)
            out.append((a1 + t * (a2 - a1), b1 + t * (b2 - b1), e1))
    return out


def _hull(points: list[tuple[float, float, int]], upper: bool) -> list[tuple[float, float, int]]:
    """The lower (or upper) convex hull of (x, y, id) sorted by x: the only points a line
    below (or above) all of them can touch."""
    sign = -1.0 if upper else 1.0
    hull: list[tuple[float, float, int]] = []
    for point in points:
        x, y, _ = point
        while len(hull) >= 2:
            (ox, oy, _), (ax, ay, _) = hull[-2], hull[-1]
            if sign * ((ax - ox) * (y - oy) - (ay - oy) * (x - ox)) > 0:
                break
            hull.pop()
        hull.append(point)
    return hull


def _centroid(poly: list[Vertex]) -> tuple[float, float]:
    """The polygon's centre of area (its vertices' mean if it has next to none)."""
    a0, b0, _ = poly[0]
    area = ca = cb = 0.0
    n = len(poly)
    for i in range(n):
        a1, b1 = poly[i][0] - a0, poly[i][1] - b0
        a2, b2 = poly[i + 1 - n][0] - a0, poly[i + 1 - n][1] - b0
        cross = a1 * b2 - a2 * b1
        area += cross
        ca += (a1 + a2) * cross
        cb += (b1 + b2) * cross
    scale = max(abs(p[0] - a0) for p in poly) * max(abs(p[1] - b0) for p in poly)
    if abs(area) <= 1e-9 * scale or scale == 0:
        return sum(p[0] for p in poly) / n, sum(p[1] for p in poly) / n
    return a0 + ca / (3 * area), b0 + cb / (3 * area)


@dataclass(frozen=True)
class _Model:
    """The window's polygon of clock lines, relative to `ref` (a venue instant) and `base` (an
    offset), and its centroid line (a, b)."""

    ref: float
    base: float
    poly: list[Vertex]
    a: float
    b: float
    best_rtt: float
    samples: int
    slack: float  # relative: the deadline's own approximation (drift over the error)

    def at(self, local_t: float) -> tuple[float, float]:
        """(offset, claimed bound) at venue instant `local_t`: the centroid line there, and
        how far the polygon's lines reach from it."""
        x = local_t - self.ref
        values = [a + b * x for a, b, _ in self.poly]
        fitted = self.a + self.b * x
        reach = max(fitted - min(values), max(values) - fitted, 0.0) * (1 + self.slack)
        return self.base + fitted, reach + FIRE_JITTER_S

    def drift(self) -> tuple[float, float]:
        """(the centroid's slope, how far the polygon's slopes reach from it)."""
        slopes = [b for _, b, _ in self.poly]
        return self.b, max(self.b - min(slopes), max(slopes) - self.b, 0.0)


class ClockEstimator:
    """Samples in, estimates out. The polygon is kept up to date with each sample (a clip by
    its two edges) and rebuilt from the window only when a sample it rests on leaves the window
    or the samples disagree."""

    def __init__(
        self,
        window_s: float = DEFAULT_WINDOW_S,
        max_drift_ppm: float = MAX_DRIFT_PPM,
        max_samples: int = 600,
    ) -> None:
        self.window_s = window_s
        self.max_drift = max_drift_ppm * 1e-6
        self.max_samples = max_samples
        self.rejected = 0
        self.dropped = 0  # samples dropped as inconsistent with newer ones (a step, a lying rtt)
        self.rebuilds = 0
        self._rows: deque[_Row] = deque()
        self._pending: list[_Row] = []  # added since the polygon was last brought up to date
        self._seq = 0
        self._dirty = True  # rebuild the polygon from the window
        self._ref = 0.0
        self._base = 0.0
        self._poly: list[Vertex] = []
        self._model: _Model | None = None
        self._settled: bool | None = None

    def add(self, sample: ClockSample) -> bool:
        """Keep a sample; refuse impossible ones (negative round trip, clock gone backwards)."""
        if sample.rtt < 0 or sample.t4 < sample.t1 or sample.t3 < sample.t2:
            self.rejected += 1
            return False
        self._seq += 1
        if len(self._rows) + len(self._pending) >= self.max_samples:
            self._dirty = True  # the oldest goes: cheaper to rebuild than to ask
            if self._rows:
                self._rows.popleft()
            else:
                self._pending.pop(0)
        self._pending.append(_Row(self._seq, sample.local_mid, sample.offset, sample.rtt))
        self._model = None
        self._settled = None
        return True

    def settled(self, now_local: float) -> bool:
        """Short round trips far enough apart pin the drift: the estimate keeps its bound with
        a probe every few seconds (the venue then probes slowly until an arm)."""
        model = self._current(now_local)
        if model is None:
            return False
        if self._settled is None:
            short = [r.mid for r in self._rows if r.rtt <= model.best_rtt * 1.5 + 0.0002]
            self._settled = (
                len(short) >= SETTLED_SAMPLES and max(short) - min(short) >= MIN_DRIFT_SPAN_S
            )
        return self._settled

    def drift(self, now_local: float) -> tuple[float, float]:
        """(drift, the most it can be off by), from the slopes the window allows."""
        model = self._current(now_local)
        return (0.0, self.max_drift) if model is None else model.drift()

    def estimate(self, now_local: float) -> Estimate | None:
        model = self._current(now_local)
        if model is None:
            return None
        offset, bound = model.at(now_local)
        drift, _ = model.drift()
        return Estimate(offset, drift, bound, now_local, model.best_rtt, model.samples)

    def deadline(self, studio_t: float, now_local: float) -> tuple[float, float] | None:
        """(venue-clock deadline for studio time T, claimed bound at that deadline)."""
        model = self._current(now_local)
        if model is None:
            return None
        # L + offset(L) = T on the centroid line
        local = (studio_t - model.base - model.a + model.b * model.ref) / (1 + model.b)
        return local, model.at(local)[1]

    # ---- inside --------------------------------------------------------------------------------

    def _current(self, now_local: float) -> _Model | None:
        self._expire(now_local)
        if not self._rows and not self._pending:
            return None
        if not self._dirty and self._pending:
            self._apply_pending()
        if self._dirty:
            self._rebuild()
        if self._model is None:
            rows = self._rows
            best = min(r.rtt for r in rows)
            a, b = _centroid(self._poly)
            self._model = _Model(
                self._ref, self._base, self._poly, a, b, best, len(rows), self.max_drift
            )
        return self._model

    def _expire(self, now_local: float) -> None:
        # In arrival order: a sample whose midpoint is earlier than its predecessor's (a
        # shorter round trip) leaves with it, a fraction of a second late.
        rows, pending = self._rows, self._pending
        old_row = bool(rows) and now_local - rows[0].mid > self.window_s
        if not old_row and not (pending and now_local - pending[0].mid > self.window_s):
            return
        edges = {e for _, _, e in self._poly}
        while rows and now_local - rows[0].mid > self.window_s:
            r = rows.popleft()
            if 2 * r.seq in edges or 2 * r.seq + 1 in edges:
                self._dirty = True  # the polygon rested on it
        if not rows:
            while pending and now_local - pending[0].mid > self.window_s:
                pending.pop(0)
        self._model = None
        self._settled = None

    def _apply_pending(self) -> None:
        pending, self._pending = self._pending, []
        for i, r in enumerate(pending):
            if r.mid - self._ref > self.window_s:
                self._dirty = True  # far from the reference: start afresh
            else:
                for p, q, rr, edge in self._edges(r):
                    self._poly = _clip(self._poly, p, q, rr, edge)
                if not self._poly:
                    self._dirty = True  # it disagrees with the window: see what to drop
            if self._dirty:
                self._rows.extend(pending[i:])
                return
            self._rows.append(r)

    def _edges(self, r: _Row) -> list[tuple[float, float, float, int]]:
        """The sample's two half-planes as (p, q, r, edge): p*a + q*b <= r."""
        x, y = r.mid - self._ref, r.offset - self._base
        # The clock moves over half a round trip: the interval moves with it.
        half = r.rtt / 2 * (1 + self.max_drift) + MODEL_SLACK_S
        return [(1.0, x, y + half, 2 * r.seq), (-1.0, -x, half - y, 2 * r.seq + 1)]

    def _rebuild(self) -> None:
        self.rebuilds += 1
        self._rows.extend(self._pending)
        self._pending = []
        rows = list(self._rows)
        newest = rows[-1]
        self._ref, self._base = newest.mid, newest.offset
        poly = self._feasible(rows)
        if poly is None:
            # Inconsistent: the longest run of newest samples that still agrees is kept (any
            # run of newer samples agrees if a longer one does; the newest alone always does).
            low, high = 0, len(rows) - 1  # rows[high:] agree, rows[low:] do not
            while high - low > 1:
                mid = (low + high) // 2
                if self._feasible(rows[mid:]) is None:
                    low = mid
                else:
                    high = mid
            self.dropped += high
            rows = rows[high:]
            self._rows = deque(rows)
            poly = self._feasible(rows)
            assert poly is not None
        self._poly = poly
        self._dirty = False
        self._model = None
        self._settled = None

    def _feasible(self, rows: list[_Row]) -> list[Vertex] | None:
        """The polygon of (a, b) lines through every sample's interval, or None if empty."""
        tops: list[tuple[float, float, int]] = []
        bottoms: list[tuple[float, float, int]] = []
        for r in rows:
            (_, x, top, up), (_, _, neg_bottom, down) = self._edges(r)
            tops.append((x, top, up))
            bottoms.append((x, -neg_bottom, down))
        tops.sort()
        bottoms.sort()
        d = self.max_drift
        box = BOX_S + rows[-1].rtt  # the newest sample (at base) clips it at once
        poly: list[Vertex] = [
            (-box, -d, BOX_EDGE),
            (box, -d, BOX_EDGE),
            (box, d, BOX_EDGE),
            (-box, d, BOX_EDGE),
        ]
        for x, y, edge in _hull(tops, upper=False):  # a + b x <= y
            poly = _clip(poly, 1.0, x, y, edge)
            if not poly:
                return None
        for x, y, edge in _hull(bottoms, upper=True):  # a + b x >= y
            poly = _clip(poly, -1.0, -x, -y, edge)
            if not poly:
                return None
        return poly
