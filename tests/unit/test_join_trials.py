"""The join trials' summary: the distribution over every join, and joins that never finished."""

from __future__ import annotations

from launcher.join_trials import summary


def test_the_summary_is_the_distribution_of_every_finished_join() -> None:
    joins = [{"join_s": t, "phases": {"dtls": t / 2}} for t in (0.2, 4.5, 0.4, 1.0)]
    joins.append({"round": 1, "venue": "x"})  # never welcomed in the round's time
    s = summary(joins)
    assert s["joins"] == 4 and s["missing"] == 1
    assert s["join_s_sorted"] == [0.2, 0.4, 1.0, 4.5]
    assert (s["join_s_p50"], s["join_s_max"], s["over_4s"]) == (1.0, 4.5, 1)
    assert s["phase_median_max_s"] == {"dtls": [0.35, 2.25]}
