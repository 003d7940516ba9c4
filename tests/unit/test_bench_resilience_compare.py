"""The resilience bench's verdict on "attached within 20 % of headless": decided only when the
noise across rounds allows it."""

from __future__ import annotations

from typing import Any

import pytest

from launcher.bench_resilience import compare


def phase(rtt: float, spreads: list[float], cores: float = 0.4) -> dict[str, Any]:
    return {"rtt_ms_p50": rtt, "countdown_spreads_ms": spreads, "engine_cpu_cores": cores}


def run(
    headless: list[tuple[float, list[float]]], attached: list[tuple[float, list[float]]]
) -> dict[str, Any]:
    """`headless` has one phase more than `attached`: the one after the kill ends the run."""
    rounds = [
        {"round": i + 1, "headless": phase(*h), "attached": phase(*a, cores=0.42)}
        for i, (h, a) in enumerate(zip(headless, attached, strict=False))
    ]
    return compare(rounds, phase(*headless[-1]))


def test_equal_conditions_with_little_noise_meet_the_target() -> None:
    headless = [(5.0 + 0.1 * i, [0.6, 0.62, 0.61]) for i in range(5)]
    attached = [(5.05 + 0.1 * i, [0.61, 0.6, 0.63]) for i in range(4)]
    result = run(headless, attached)
    assert result["rtt_ms_p50"]["verdict"] == "met"
    assert result["countdown_spread_ms"]["verdict"] == "met"
    assert result["target"] == "met"
    assert result["engine_cpu_cores"]["attached_minus_headless"] == pytest.approx(0.02)


def test_a_console_that_doubles_the_round_trip_fails_it() -> None:
    headless = [(5.0 + 0.1 * i, [0.6, 0.62, 0.61]) for i in range(5)]
    attached = [(10.0 + 0.1 * i, [0.61, 0.6, 0.63]) for i in range(4)]
    result = run(headless, attached)
    assert result["rtt_ms_p50"]["verdict"] == "not met"
    assert result["target"] == "not met"
    assert result["rtt_ms_p50"]["ratio"] == pytest.approx(10.15 / 5.2, rel=0.01)


def test_noise_larger_than_the_margin_is_undecided_not_a_verdict() -> None:
    headless = [(47.0, [0.8]), (7.4, [0.5]), (30.0, [1.4]), (6.0, [0.4]), (20.0, [0.9])]
    attached = [(10.0, [1.0]), (25.0, [0.5]), (8.0, [1.2]), (12.0, [0.7])]
    result = run(headless, attached)
    assert result["rtt_ms_p50"]["verdict"] == "undecided"
    assert result["target"] == "undecided"
    low, high = result["rtt_ms_p50"]["per_round_ratio_range"]
    assert low < 1.0 < high  # the rounds disagree, and the reader sees it


def test_each_round_is_compared_with_the_headless_phases_on_both_sides() -> None:
    # The machine gets slower through the run: headless 4, 6, 8; attached 5 and 7 sit between.
    result = run([(4.0, [1.0]), (6.0, [1.0]), (8.0, [1.0])], [(5.0, [1.0]), (7.0, [1.0])])
    assert result["rtt_ms_p50"]["per_round_ratios"] == [1.0, 1.0]


def test_too_few_complete_countdowns_decide_nothing() -> None:
    # One countdown per condition in which every venue fired: resampling one value looks certain.
    headless = [(5.0, [0.6]), (5.0, []), (5.0, [])]
    attached = [(5.0, [3.0]), (5.0, [])]
    assert run(headless, attached)["countdown_spread_ms"]["verdict"] == "undecided"


def test_a_starved_phase_with_a_handful_of_round_trips_is_left_out() -> None:
    headless = [(5.0, [0.6]) for _ in range(4)]
    attached = [(5.1, [0.6]) for _ in range(3)]
    rounds = [
        {"round": i + 1, "headless": phase(*h), "attached": phase(*a)}
        for i, (h, a) in enumerate(zip(headless, attached, strict=False))
    ]
    rounds[1]["attached"] = {**phase(4000.0, [0.6]), "rtt_samples": 2}
    result = compare(rounds, phase(*headless[-1]))
    assert result["rtt_ms_p50"]["attached_values"] == [5.1, 5.1]
    assert result["rtt_ms_p50"]["per_round_ratios"][1] is None


def test_a_drifting_machine_is_cancelled_by_each_rounds_own_ratio() -> None:
    # The load doubles through the run; every attached phase is 5 % over its neighbours. The
    # pooled medians mix the drift into the ratio; the rounds' own ratios do not.
    headless = [(5.0 * 1.2**i, [0.6, 0.62, 0.61]) for i in range(7)]
    attached = [(1.05 * (5.0 * 1.2**i + 5.0 * 1.2 ** (i + 1)) / 2, [0.61]) for i in range(6)]
    rtt = run(headless, attached)["rtt_ms_p50"]
    assert rtt["verdict_pooled_medians"] == "undecided"
    assert rtt["estimate"] == pytest.approx(1.05, abs=0.005)
    assert rtt["verdict"] == "met"


def test_a_console_that_slows_every_round_by_half_fails_the_paired_estimate() -> None:
    headless = [(5.0 * 1.2**i, [0.6]) for i in range(7)]
    attached = [(1.5 * (5.0 * 1.2**i + 5.0 * 1.2 ** (i + 1)) / 2, [0.6]) for i in range(6)]
    rtt = run(headless, attached)["rtt_ms_p50"]
    assert rtt["estimate"] == pytest.approx(1.5, abs=0.01)
    assert rtt["verdict"] == "not met"


def test_the_spread_estimate_uses_every_pair_of_countdowns() -> None:
    # Each attached countdown is 10 % over a headless one with the same luck.
    base = [0.2, 0.3, 0.45, 0.25, 0.9, 0.35, 0.3, 0.5, 0.22, 0.4, 0.28, 0.6]
    headless = [(5.0, base[i : i + 3]) for i in range(0, 12, 3)] + [(5.0, base[:3])]
    attached = [(5.0, [1.1 * x for x in base[i : i + 3]]) for i in range(0, 12, 3)]
    spread = run(headless, attached)["countdown_spread_ms"]
    assert spread["estimate"] == pytest.approx(1.1, abs=0.05)
    low, high = spread["estimate_interval_90pct"]
    assert low < 1.1 < high


def test_a_phase_under_another_users_load_is_left_out_whatever_its_condition() -> None:
    headless = [(5.0, [0.6, 0.62, 0.61]) for _ in range(5)]
    attached = [(5.05, [0.61, 0.6, 0.63]) for _ in range(4)]
    rounds: list[dict[str, Any]] = [
        {"round": i + 1, "headless": phase(*h), "attached": phase(*a)}
        for i, (h, a) in enumerate(zip(headless, attached, strict=False))
    ]
    rounds[1]["headless"] = {**phase(300.0, [130.0]), "foreign_cpu_cores": 0.9}
    rounds[2]["attached"] = {**phase(150.0, [9.0]), "foreign_cpu_cores": 0.6}
    rounds[3]["attached"] = {**phase(5.05, [0.6]), "foreign_cpu_cores": 0.1}  # ours: no reason
    result = compare(rounds, phase(*headless[-1]))
    assert len(result["phases_left_out_foreign_load"]) == 2
    assert 300.0 not in result["rtt_ms_p50"]["headless_values"]
    assert 150.0 not in result["rtt_ms_p50"]["attached_values"]
    assert result["rtt_ms_p50"]["per_round_ratios"][2] is None
    assert 5.05 in result["rtt_ms_p50"]["attached_values"]
