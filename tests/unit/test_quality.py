"""The per-venue rung policy on a fake clock: down on loss or a keyframe storm, up only after a
long clean stretch, never flapping."""

from __future__ import annotations

import itertools

from ceremony.quality import MIN_DWELL_S, UP_CLEAN_S, RungPolicy


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
