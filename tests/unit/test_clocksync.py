"""Clock estimation and the countdown, driven by a simulated pair of clocks and a fake network."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from ceremony.clocksync import ClockEstimator, ClockSample
from ceremony.countdown import (
    ArmState,
    CountdownError,
    StudioCountdown,
    VenueCountdown,
)


@dataclass
class SimVenue:
    """True time is the studio's clock. The venue's clock runs off by an offset and a drift."""

    offset: float
    drift_ppm: float
    forward: float  # venue -> studio one-way delay
    back: float  # studio -> venue
    jitter: float = 0.0
    seed: int = 1

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def local(self, true_t: float) -> float:
        return true_t * (1 + self.drift_ppm * 1e-6) + self.offset

    def true_of(self, local_t: float) -> float:
        return (local_t - self.offset) / (1 + self.drift_ppm * 1e-6)

    def probe(self, true_t: float) -> ClockSample:
        f = self.forward + self.rng.uniform(0, self.jitter)
        b = self.back + self.rng.uniform(0, self.jitter)
        t2 = true_t + f
        t3 = t2 + 0.0001
        return ClockSample(self.local(true_t), t2, t3, self.local(t3 + b))


def run_probes(  # noqa: PLR0917
    venue: SimVenue,
    est: ClockEstimator,
    start: float,
    seconds: float,
    rate: float = 2.0,
    lost: set[int] | None = None,
) -> float:
    t = start
    for i in range(int(seconds * rate)):
        if not lost or i not in lost:
            est.add(venue.probe(t))
        t += 1 / rate
    return t


def fire_error(
    venue: SimVenue, est: ClockEstimator, now_true: float, fire_at: float
) -> tuple[float, float]:
    placed = est.deadline(fire_at, venue.local(now_true))
    assert placed is not None
    deadline, bound = placed
    return venue.true_of(deadline) - fire_at, bound


@pytest.mark.parametrize("asymmetry_ms", [-20.0, -3.0, 0.0, 7.0, 20.0])
def test_constant_asymmetry_gives_exactly_half_of_it(asymmetry_ms: float) -> None:
    a = asymmetry_ms / 1000
    venue = SimVenue(offset=42.5, drift_ppm=0, forward=0.05 + a / 2, back=0.05 - a / 2)
    est = ClockEstimator()
    now = run_probes(venue, est, 1000.0, 20)
    error, bound = fire_error(venue, est, now, now + 10)
    assert error == pytest.approx(-a / 2, abs=1e-6)
    assert abs(error) <= bound


def test_drift_is_absorbed() -> None:
    venue = SimVenue(offset=-37.0, drift_ppm=100, forward=0.0005, back=0.0005, jitter=0.0002)
    est = ClockEstimator()
    now = run_probes(venue, est, 500.0, 40)
    drift, _ = est.drift(venue.local(now))
    assert drift == pytest.approx(-100e-6, abs=10e-6)  # offset = studio - venue shrinks
    error, bound = fire_error(venue, est, now, now + 10)
    assert abs(error) < 0.0003
    assert abs(error) <= bound < 0.002


def test_without_drift_estimate_the_bound_grows_with_age() -> None:
    venue = SimVenue(offset=5.0, drift_ppm=-100, forward=0.001, back=0.001)
    est = ClockEstimator()
    now = run_probes(venue, est, 0.0, 2)  # too short to fit a drift
    error, bound = fire_error(venue, est, now, now + 30)
    assert bound > 30 * 100e-6  # it admits the drift it cannot see yet
    assert abs(error) <= bound


def test_probes_lost_in_bursts_keep_bounds_honest() -> None:
    rng = random.Random(7)
    for trial in range(30):
        a = rng.uniform(-0.02, 0.02)
        base = rng.uniform(0.01, 0.15)
        venue = SimVenue(
            offset=rng.uniform(-60, 60),
            drift_ppm=rng.uniform(-100, 100),
            forward=base + a / 2,
            back=base - a / 2,
            jitter=base * 0.1,
            seed=trial,
        )
        lost = {i for i in range(60) if 10 <= i < 30 or rng.random() < 0.05}
        est = ClockEstimator()
        now = run_probes(venue, est, 100.0, 30, lost=lost)
        error, bound = fire_error(venue, est, now, now + 10)
        assert abs(error) <= bound, (trial, error, bound)


def test_impossible_samples_are_refused() -> None:
    est = ClockEstimator()
    assert not est.add(ClockSample(10.0, 5.0, 5.1, 9.0))  # reply before probe
    assert est.estimate(10.0) is None


def make_venue_countdown(offset: float = 12.0) -> tuple[SimVenue, VenueCountdown]:
    venue = SimVenue(offset=offset, drift_ppm=0, forward=0.002, back=0.002)
    est = ClockEstimator()
    run_probes(venue, est, 0.0, 10)
    return venue, VenueCountdown(est)


def test_arm_is_idempotent_and_placed_on_local_clock() -> None:
    venue, vc = make_venue_countdown()
    now = 10.0
    first = vc.on_arm(1, fire_at_studio=20.0, now_local=venue.local(now))
    again = vc.on_arm(1, fire_at_studio=20.0, now_local=venue.local(now + 0.5))
    assert first is again and first.state is ArmState.ARMED
    assert first.deadline_local == pytest.approx(venue.local(20.0), abs=1e-6)


def test_late_arm_is_missed_not_fired() -> None:
    venue, vc = make_venue_countdown()
    arm = vc.on_arm(1, fire_at_studio=9.0, now_local=venue.local(10.0))
    assert arm.state is ArmState.MISSED


def test_no_clock_yet() -> None:
    vc = VenueCountdown(ClockEstimator())
    assert vc.on_arm(1, 20.0, 5.0).state is ArmState.NO_CLOCK


def test_abort_and_rearm() -> None:
    venue, vc = make_venue_countdown()
    vc.on_arm(1, 20.0, venue.local(10.0))
    aborted = vc.on_abort(1)
    assert aborted is not None and aborted.state is ArmState.ABORTED
    assert vc.on_abort(99) is None  # an abort of another arm changes nothing
    rearmed = vc.on_arm(2, 25.0, venue.local(11.0))
    assert rearmed.arm_id == 2 and rearmed.state is ArmState.ARMED


def test_wall_clock_step_changes_nothing() -> None:
    # The venue side never sees a wall clock: only monotonic readings reach the estimator and
    # the countdown. Two runs, one with a 3 s wall step injected at T - 3 s, place the same
    # deadline.
    deadlines = []
    for wall_step in (0.0, 3.0):
        venue, vc = make_venue_countdown()
        vc.on_arm(1, 20.0, venue.local(10.0))
        wall = 1_797_300_000.0 + 17.0 + wall_step  # what a wall clock would read at T - 3 s
        assert wall  # deliberately unused by the venue side
        arm = vc.refine(venue.local(17.0))
        assert arm is not None
        deadlines.append(arm.deadline_local)
    assert deadlines[0] == deadlines[1]


def test_fire_report_is_kept_until_acknowledged() -> None:
    venue, vc = make_venue_countdown()
    vc.on_arm(3, 20.0, venue.local(10.0))
    vc.fired(3, venue.local(20.0), None)
    assert 3 in vc.pending_reports
    vc.report_acked(3)
    assert not vc.pending_reports


def test_the_report_carries_the_placement_the_thread_fired_not_a_later_one() -> None:
    """A refinement reached the session but came to the firing thread too late (a lagging
    loop): the thread fired the earlier deadline, and its report says so, with that bound."""
    venue, vc = make_venue_countdown()
    arm = vc.on_arm(3, 20.0, venue.local(10.0))
    assert arm.deadline_local is not None and arm.bound_s is not None
    first, first_bound = arm.deadline_local, arm.bound_s
    arm.place(first + 0.004, first_bound / 2)  # the refinement the thread never saw
    vc.fired(3, first + 0.0001, None, first)
    report = vc.pending_reports[3]
    assert (report.deadline_local, report.bound_s) == (first, first_bound)
    # Without the thread's deadline (an older adapter): the arm's newest placement.
    vc.fired(3, first + 0.0041, None)
    report = vc.pending_reports[3]
    assert (report.deadline_local, report.bound_s) == (first + 0.004, first_bound / 2)


def test_studio_resends_until_acked_and_flags_loose_bounds() -> None:
    sc = StudioCountdown(threshold_s=0.02)
    arm_id = sc.arm(100.0, 10.0, ["a", "b"])
    assert sc.fire_at == 110.0
    assert sc.due_sends(100.0, {"a", "b"}) == ["a", "b"]
    assert sc.due_sends(100.1, {"a", "b"}) == []  # not yet time to resend
    sc.on_ack("a", arm_id, ArmState.ARMED, 50.0, 0.001)
    assert sc.due_sends(100.6, {"a", "b"}) == ["b"]
    sc.on_ack("b", arm_id, ArmState.ARMED, 60.0, 0.05)
    assert sc.flagged() == ["b"]
    sc.on_ack("b", arm_id - 1, ArmState.MISSED, None, None)  # stale answer ignored
    assert sc.venues["b"].state is ArmState.ARMED
    with pytest.raises(CountdownError):
        sc.arm(100.0, 4.0, ["a"])
    assert sc.abort() == arm_id
    assert sc.due_sends(101.0, {"a", "b"}) == ["a", "b"]  # the abort must reach everyone


def test_a_round_the_studio_started_is_a_sample_with_an_honest_bound() -> None:
    # Studio = venue + 100 s; the heartbeat takes 3 ms out, its answer 1 ms back.
    studio_sent = 1000.0
    heard = studio_sent - 100.0 + 0.003
    back = studio_sent + 0.004 + 0.0005  # the answer waited 0.5 ms here: into the round trip
    s = ClockSample.from_studio_round(studio_sent, heard, back)
    assert s.rtt == pytest.approx(0.0045)
    assert s.local_mid == pytest.approx(heard)
    assert abs(s.offset - 100.0) <= s.rtt / 2
    assert ClockEstimator().add(s)  # a sample the estimator takes


def test_a_round_leaves_out_the_time_the_answer_waited_when_its_departure_is_known() -> None:
    # Studio = venue + 100 s; 3 ms out, the answer held 5 ms here, 1 ms back.
    studio_sent = 1000.0
    heard = studio_sent - 100.0 + 0.003
    answered = heard + 0.005
    back = studio_sent + 0.003 + 0.005 + 0.001
    s = ClockSample.from_studio_round(studio_sent, heard, back, answered)
    assert s.rtt == pytest.approx(0.004)  # both legs, not the wait
    assert s.offset == pytest.approx(100.0 - (0.003 - 0.001) / 2)  # half the legs differ
    assert abs(s.offset - 100.0) <= s.rtt / 2
    assert s.local_mid == pytest.approx(heard + 0.0025)
    # An answer stamped before it was heard, or longer than the whole round, is not believed.
    for wrong in (heard - 0.001, heard + 0.02):
        assert ClockSample.from_studio_round(studio_sent, heard, back, wrong) == (
            ClockSample.from_studio_round(studio_sent, heard, back)
        )


# ---- the feasible set and the weighted fit ----------------------------------------------------


def noisy_probe(venue: SimVenue, rng: random.Random, true_t: float, busy: float) -> ClockSample:
    """A probe through busy event loops: each leg now and then waits one-sidedly, heavy-tailed."""

    def leg(base: float) -> float:
        extra = rng.expovariate(1 / 0.003) if rng.random() < busy else 0.0
        return base + rng.uniform(0, 0.0002) + extra

    t2 = true_t + leg(venue.forward)
    t3 = t2 + rng.uniform(0, 0.0002)
    return ClockSample(venue.local(true_t), t2, t3, venue.local(t3 + leg(venue.back)))


def truth_at(venue: SimVenue, true_t: float) -> float:
    """The true offset (studio - venue) when the studio clock reads `true_t`."""
    return true_t - venue.local(true_t)


def test_the_truth_is_always_inside_the_bound() -> None:
    rng = random.Random(17)
    checks = 0
    for trial in range(60):
        base = rng.uniform(0.0002, 0.05)
        a = rng.uniform(-0.9, 0.9) * base
        venue = SimVenue(
            offset=rng.uniform(-60, 60),
            drift_ppm=rng.uniform(-150, 150),
            forward=base + a,
            back=base - a,
        )
        est = ClockEstimator()
        busy = rng.uniform(0, 0.8)
        t = rng.uniform(0, 1000)
        for _ in range(rng.randint(1, 150)):
            t += rng.expovariate(1 / rng.choice([0.2, 1.0, 3.0, 10.0]))
            est.add(noisy_probe(venue, rng, t, busy))
            now = t + rng.uniform(0, 2)
            got = est.estimate(venue.local(now))
            assert got is not None
            assert abs(got.offset - truth_at(venue, now)) <= got.bound, (trial, checks)
            fire_at = now + rng.uniform(0.5, 30)
            err, bound = fire_error(venue, est, now, fire_at)
            assert abs(err) <= bound, (trial, checks, err, bound)
            checks += 1
    assert checks > 1000
    assert est.dropped == 0  # the model held: no sample was ever inconsistent


def test_the_bound_shrinks_with_more_good_samples() -> None:
    venue = SimVenue(offset=3.0, drift_ppm=60, forward=0.002, back=0.001, jitter=0.001)
    est = ClockEstimator()
    bounds = []
    t = 0.0
    for n in (2, 10, 40, 100):
        t = run_probes(venue, est, t, n, rate=1.0)
        error, bound = fire_error(venue, est, t, t + 5)
        assert abs(error) <= bound
        bounds.append(bound)
    assert bounds == sorted(bounds, reverse=True) and len(set(bounds)) == len(bounds)
    # Both legs' least delays (2 + 1 ms) and the drift pinned over 120 s: half of ~3 ms.
    assert bounds[-1] < 0.0025


def test_a_clock_step_is_dropped_and_the_estimate_recovers() -> None:
    venue = SimVenue(offset=10.0, drift_ppm=20, forward=0.001, back=0.001, jitter=0.0005)
    est = ClockEstimator()
    t = run_probes(venue, est, 0.0, 60)
    venue.offset += 0.25  # the venue's clock steps (a suspend, an OS that stepped it)
    est.add(venue.probe(t))
    got = est.estimate(venue.local(t))
    assert got is not None and est.dropped > 0  # the old samples disagree: gone
    assert abs(got.offset - truth_at(venue, t)) <= got.bound
    t = run_probes(venue, est, t + 0.5, 20)
    err, bound = fire_error(venue, est, t, t + 5)
    assert abs(err) <= bound < 0.003
    assert abs(err) < 0.001


def test_the_incremental_polygon_is_the_windows() -> None:
    """Kept up to date sample by sample (and as samples leave the window), the estimate is the
    one a fresh look at the same window gives."""
    rng = random.Random(5)
    venue = SimVenue(offset=-8.0, drift_ppm=-70, forward=0.003, back=0.001)
    kept, once = ClockEstimator(), ClockEstimator()
    t = 0.0
    for _ in range(400):
        t += rng.uniform(0.1, 1.5)
        s = noisy_probe(venue, rng, t, 0.4)
        kept.add(s)
        once.add(s)
        assert kept.estimate(venue.local(t)) is not None
    assert t > 2 * kept.window_s  # samples have left the window all along
    now = venue.local(t + 1)
    a, b = kept.estimate(now), once.estimate(now)
    assert a is not None and b is not None and a.samples == b.samples
    assert a.offset == pytest.approx(b.offset, abs=1e-9)
    assert a.bound == pytest.approx(b.bound, abs=1e-9)
    assert kept.rebuilds < 200  # most samples were taken without rebuilding


def near_best_reference(samples: list[ClockSample], at_local: float) -> float:
    """A simple reference: the mean offset of the samples whose round trip is within 5 % (plus
    50 us) of the shortest, carried to `at_local` with a drift fitted by least squares over the
    short round trips (within 1.5x + 0.2 ms)."""
    best = min(s.rtt for s in samples)
    good = [s for s in samples if s.rtt <= best * 1.5 + 0.0002]
    mx = sum(s.local_mid for s in good) / len(good)
    my = sum(s.offset for s in good) / len(good)
    sxx = sum((s.local_mid - mx) ** 2 for s in good)
    slope = sum((s.local_mid - mx) * (s.offset - my) for s in good) / sxx if sxx > 0 else 0.0
    near = [s for s in samples if s.rtt <= best * 1.05 + 0.00005]
    return sum(s.offset + slope * (at_local - s.local_mid) for s in near) / len(near)


def test_the_estimate_beats_near_best_averaging_on_a_noisy_path() -> None:
    """Busy event loops at both ends: every leg waits ~3 ms on average, one-sidedly."""
    ours, reference = [], []
    for seed in range(20):
        rng = random.Random(seed)
        venue = SimVenue(offset=5.0, drift_ppm=rng.uniform(-100, 100), forward=0, back=0)
        est = ClockEstimator()
        samples = []
        t = 0.0
        for _ in range(80):
            t += 1.5
            out, back = (0.0005 + rng.expovariate(1 / 0.003) for _ in range(2))
            samples.append(
                ClockSample(venue.local(t), t + out, t + out, venue.local(t + out + back))
            )
            est.add(samples[-1])
        now = venue.local(t + 1)
        got = est.estimate(now)
        assert got is not None
        ours.append(abs(got.offset - truth_at(venue, t + 1)))
        assert ours[-1] <= got.bound
        reference.append(abs(near_best_reference(samples, now) - truth_at(venue, t + 1)))
    assert sum(ours) < 0.6 * sum(reference)
    assert max(ours) < max(reference)
