"""The per-venue rung policy on a fake clock: down on loss or a keyframe storm, up only after a
long clean stretch, never flapping."""

from __future__ import annotations

import itertools

import pytest

from ceremony.quality import MIN_DWELL_S, UP_CLEAN_S, RungPolicy, SentRates


def test_a_lossy_link_goes_down_at_once_and_stays_at_the_bottom() -> None:
    policy = RungPolicy(lowest=1)
    assert policy.observe(0.0, 0.0) == 0
    assert policy.observe(2.0, 12.0) == 1  # the first bad report moves it
    assert policy.observe(4.0, 30.0) == 1  # nothing lower than the lowest


def test_up_again_only_after_a_long_clean_stretch() -> None:
    policy = RungPolicy(lowest=1)
    policy.observe(0.0, 10.0)
    assert policy.observe(2.0, 0.0) == 1  # the clean stretch starts here
    assert policy.observe(10.0, 3.0) == 1  # a middling report starts it again
    t = 12.0
    while t < 12.0 + UP_CLEAN_S - 2:
        assert policy.observe(t, 0.0) == 1, t
        t += 2.0
    assert policy.observe(12.0 + UP_CLEAN_S, 0.0) == 0


def test_a_link_at_the_edge_does_not_flap() -> None:
    policy = RungPolicy(lowest=1)
    rungs = []
    for n in range(60):  # two minutes of alternating bad and clean reports
        rungs.append(policy.observe(n * 2.0, 6.0 if n % 2 == 0 else 0.0))
    assert rungs == [1] * 60  # down at the first bad report, and never back up


def test_a_keyframe_storm_moves_a_venue_down_without_loss_reports() -> None:
    policy = RungPolicy(lowest=1)
    for n in range(6):
        policy.keyframe_requested(0.5 * n)
    assert policy.observe(3.0, 0.0) == 1
    policy_quiet = RungPolicy(lowest=1)
    for n in range(3):
        policy_quiet.keyframe_requested(5.0 * n)  # occasional requests are normal
    assert policy_quiet.observe(11.0, 0.0) == 0


def test_no_change_within_the_dwell_time() -> None:
    policy = RungPolicy(lowest=2)
    assert policy.observe(0.0, 10.0) == 1
    assert policy.observe(MIN_DWELL_S - 0.1, 10.0) == 1
    assert policy.observe(MIN_DWELL_S, 10.0) == 2


def test_audio_is_protected_from_the_first_lossy_report_until_long_clean() -> None:
    from ceremony.quality import FEC_OFF_CLEAN_S

    policy = RungPolicy(lowest=1)
    policy.observe(0.0, 0.0)
    assert not policy.audio_fec
    policy.observe(2.0, 1.5)  # too little loss to move the picture down, enough for FEC
    assert policy.audio_fec and policy.rung == 0
    policy.observe(4.0, 0.0)
    policy.observe(4.0 + FEC_OFF_CLEAN_S - 1, 0.0)
    assert policy.audio_fec
    policy.observe(4.0 + FEC_OFF_CLEAN_S, 0.0)
    assert not policy.audio_fec


def test_a_move_up_the_link_cannot_carry_is_undone_at_once_and_tried_later() -> None:
    from ceremony.quality import MAX_UP_CLEAN_S, PROBE_S

    policy = RungPolicy(lowest=1)
    policy.observe(0.0, 10.0)
    t = 0.0
    ups = []
    for _ in range(6):  # six probes of a rung the link cannot carry
        while policy.rung == 1:
            t += 1.0
            policy.observe(t, 0.0)
        ups.append(t)
        t += 1.0
        assert policy.observe(t, 8.0) == 1  # back down at the first bad report, no dwell
    waits = [b - a for a, b in itertools.pairwise(ups)]
    assert waits[0] >= 2 * UP_CLEAN_S and waits == sorted(waits)  # longer each time …
    assert waits[-1] <= MAX_UP_CLEAN_S + 2.0 and policy.up_clean_s == MAX_UP_CLEAN_S  # … capped
    # A probe that holds for PROBE_S makes the next wait the short one again.
    while policy.rung == 1:
        t += 1.0
        policy.observe(t, 0.0)
    t += PROBE_S
    assert policy.observe(t, 0.0) == 0 and policy.up_clean_s == UP_CLEAN_S


# ---- the venue receiver's estimate (REMB) ------------------------------------------------------

TOP, LOW = 2_500_000, 625_000


def _clean_until(policy: RungPolicy, t: float, end: float, estimate: int | None = None) -> float:
    """Clean reports every 2 s (and an estimate with each, if given) up to `end`."""
    while t < end:
        t += 2.0
        if estimate is not None:
            policy.estimate(t, estimate)
        policy.observe(t, 0.0)
    return t


def test_a_drop_the_estimate_explains_learns_a_ceiling_and_no_blind_probe_follows() -> None:
    from ceremony.quality import CEILING_S

    policy = RungPolicy(lowest=1, bitrates=(TOP, LOW))
    policy.estimate(1.0, 1_200_000)  # the 1.5 Mbit/s link: the estimate below the top rung
    assert policy.observe(2.0, 12.0) == 1
    assert policy.ceilings == {0: 2.0 + CEILING_S}
    # Clean for far longer than the blind wait: it stays down while the ceiling holds …
    t = _clean_until(policy, 2.0, 2.0 + CEILING_S - 2.0, estimate=900_000)
    assert policy.rung == 1
    # … and is probed once it has aged.
    t = _clean_until(policy, t, 2.0 + CEILING_S + 2.0, estimate=900_000)
    assert policy.rung == 0


def test_ceilings_double_with_each_failed_probe_and_a_probe_that_holds_clears_them() -> None:
    from ceremony.quality import CEILING_S, MAX_CEILING_S, PROBE_S

    policy = RungPolicy(lowest=1, bitrates=(TOP, LOW))
    policy.estimate(1.0, 1_200_000)
    policy.observe(2.0, 12.0)
    t, spans = 2.0, []
    for _ in range(6):  # probes of a rung the link cannot carry, each failing
        dropped = t
        while policy.rung == 1:
            t += 2.0
            policy.estimate(t, 900_000)
            policy.observe(t, 0.0)
        spans.append(t - dropped)
        t += 2.0
        assert policy.observe(t, 9.0) == 1  # back down at the first bad report
    # 5 min, doubled by each failed probe, up to an hour (the reports come every 2 s).
    assert spans == [CEILING_S * 2**n for n in range(4)] + [MAX_CEILING_S] * 2
    assert policy.ceilings[0] == t + MAX_CEILING_S
    # The link grew: the next probe holds, and forgets what was learned.
    while policy.rung == 1:
        t += 2.0
        policy.observe(t, 0.0)
    t += PROBE_S
    assert policy.observe(t, 0.0) == 0 and policy.ceilings == {}
    # A later drop the estimate explains starts from CEILING_S again.
    policy.estimate(t + 1.0, 1_000_000)
    policy.observe(t + 2.0, 10.0)
    assert policy.ceilings == {0: t + 2.0 + CEILING_S}


def test_an_estimate_well_above_the_rung_held_ten_seconds_moves_up_without_the_blind_wait() -> None:
    from ceremony.quality import ESTIMATE_UP_HOLD_S, ESTIMATE_UP_MARGIN

    policy = RungPolicy(lowest=1, bitrates=(TOP, LOW))
    policy.estimate(1.0, 1_200_000)
    policy.observe(2.0, 12.0)  # down, with a ceiling
    high = int(ESTIMATE_UP_MARGIN * TOP)
    t = 2.0
    policy.estimate(t + 1.0, high - 1)  # not quite: no hold starts
    t = _clean_until(policy, t, 10.0, estimate=high - 1)
    assert policy.rung == 1
    started = t + 0.5
    policy.estimate(started, high)
    while t + 2.0 < started + ESTIMATE_UP_HOLD_S:
        t += 2.0
        policy.estimate(t, high)
        assert policy.observe(t, 0.0) == 1, t
    t = started + ESTIMATE_UP_HOLD_S
    policy.estimate(t, high)
    assert policy.observe(t, 0.0) == 0  # 10 s, far sooner than UP_CLEAN_S or the ceiling
    assert t - 2.0 < UP_CLEAN_S


def test_the_hold_needs_clean_loss_and_a_fresh_unbroken_estimate() -> None:
    from ceremony.quality import ESTIMATE_UP_HOLD_S

    high = 4_000_000
    for spoil in ("loss", "dip", "silence"):
        policy = RungPolicy(lowest=1, bitrates=(TOP, LOW))
        policy.observe(0.0, 12.0)  # down (no estimate yet: no ceiling either)
        t = 6.0
        policy.observe(t, 0.0)
        for step in range(8):  # 16 s, past the hold, one spoiled report in the middle
            t += 2.0
            if not (spoil == "silence" and 2 <= step <= 5):
                policy.estimate(t, 3_000_000 if spoil == "dip" and step == 3 else high)
            policy.observe(t, 3.0 if spoil == "loss" and step == 3 else 0.0)
            if step == 7:
                assert policy.rung == 1, spoil
        assert t - 6.0 >= ESTIMATE_UP_HOLD_S


def test_without_an_estimate_the_policy_is_the_loss_driven_one() -> None:
    """Same reports, with rungs' bitrates known or not, no estimate ever: the same rungs."""
    reports = [(2.0 * n, 12.0 if n % 17 in (0, 1) else 0.0) for n in range(400)]
    for n in range(30, 34):
        reports[n] = (reports[n][0], 8.0)
    plain, informed = RungPolicy(lowest=1), RungPolicy(lowest=1, bitrates=(TOP, LOW))
    for t, loss in reports:
        if loss and t % 10 == 0:
            plain.keyframe_requested(t)
            informed.keyframe_requested(t)
        assert plain.observe(t, loss) == informed.observe(t, loss), t
    assert informed.ceilings == {} and informed.up_clean_s == plain.up_clean_s


def test_with_no_estimate_at_the_drop_the_first_within_three_seconds_decides() -> None:
    from ceremony.quality import CEILING_S, ESTIMATE_AFTER_DROP_S

    late = RungPolicy(lowest=1, bitrates=(TOP, LOW))
    late.observe(2.0, 12.0)
    late.estimate(2.0 + ESTIMATE_AFTER_DROP_S + 0.1, 1_000_000)  # too late to explain it
    assert late.ceilings == {}

    first = RungPolicy(lowest=1, bitrates=(TOP, LOW))
    first.observe(2.0, 12.0)
    first.estimate(4.5, 1_000_000)  # aiortc's first estimate, after the drop
    first.estimate(4.9, 4_000_000)  # only the first counts
    assert first.ceilings == {0: 2.0 + CEILING_S}

    high = RungPolicy(lowest=1, bitrates=(TOP, LOW))
    high.observe(2.0, 12.0)
    high.estimate(3.0, 3_000_000)  # the link carries the top rung: a loss burst, no ceiling
    high.estimate(4.0, 1_000_000)
    assert high.ceilings == {}

    before = RungPolicy(lowest=1, bitrates=(TOP, LOW))
    before.estimate(0.0, 4_000_000)  # from before the link filled: the next one decides
    before.observe(2.0, 12.0)
    before.estimate(3.5, 1_100_000)
    assert before.ceilings == {0: 2.0 + CEILING_S}


def test_sent_rates_follow_what_each_rung_really_sends_capped_at_its_target() -> None:
    sent = SentRates((2_500_000, 600_000))
    assert sent.observe(0.0, (0, 0)) == (2_500_000, 600_000)  # nothing to go by yet
    # The top rung's picture compresses to 800 kbit/s; the lower one is not encoded (no venue).
    rates: tuple[int, ...] = (2_500_000, 600_000)
    for t in range(1, 31):
        rates = sent.observe(float(t), (100_000 * t, 0))
    assert rates[0] == pytest.approx(800_000, rel=0.01)
    assert rates[1] == 600_000
    # An encoder above its target (a keyframe's burst) reads as the target, no more.
    for t in range(31, 61):
        rates = sent.observe(float(t), (3_000_000 + 500_000 * (t - 30), 0))
    assert rates[0] == 2_500_000


def test_a_keyframe_burst_moves_the_sent_rate_only_partly() -> None:
    sent = SentRates((2_500_000,))
    total = 0
    for t in range(1, 21):
        total += 100_000
        sent.observe(float(t), (total,))
    total += 200_000  # one second carrying a keyframe: three times the bytes
    rate = sent.observe(21.0, (total,))[0]
    assert 800_000 < rate < 1_100_000


def test_an_estimate_above_what_the_top_rung_really_sends_explains_no_drop() -> None:
    # The top rung's picture sends 800 kbit/s: a venue estimating 1.2 Mbit/s that loses a
    # burst was not too narrow for it, so it is probed again in time.
    policy = RungPolicy(lowest=1, bitrates=(800_000, 600_000))
    policy.estimate(0.0, 1_200_000)
    assert policy.observe(0.0, 10.0) == 1
    assert not policy.ceilings
